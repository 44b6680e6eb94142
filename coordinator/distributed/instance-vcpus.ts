// How many vCPUs an instance type has, for `threads: all` when the matrix is expanded away from
// the machines that will run it. AWS names say it for every size from `large` up (2 vCPUs, and
// 4 per `xlarge`); smaller sizes, `metal` and names that are not AWS's need the matrix's `vcpus`.
import { MatrixError } from '../matrix/matrix-error.js';

export function vcpusFromInstanceTypeName(instanceType: string): number | null {
  const size = /^[a-z][a-z0-9-]*\.(\d*)(large|xlarge)$/.exec(instanceType);
  if (!size) return null;
  const [, multiple, unit] = size;
  if (unit === 'large') return multiple === '' ? 2 : null;
  const factor = multiple === '' ? 1 : Number(multiple);
  return factor >= 1 ? 4 * factor : null;
}

/** The resolver `expandMatrix` asks for `threads: all`; throws a MatrixError naming the fix. */
export function fleetVcpus(matrixPath: string, vcpus: Record<string, number> | undefined): (instanceType: string) => number {
  return (instanceType) => {
    // Own keys only: an instance type named 'constructor' must not find Object's.
    const known = vcpus && Object.hasOwn(vcpus, instanceType) ? vcpus[instanceType] : vcpusFromInstanceTypeName(instanceType);
    if (known !== null && known !== undefined) return known;
    throw new MatrixError(matrixPath, [
      {
        path: `vcpus.${instanceType}`,
        message: `is required: 'threads: all' needs the vCPU count of ${instanceType}, which its name does not tell (add vcpus: { ${instanceType}: N })`,
      },
    ]);
  };
}
