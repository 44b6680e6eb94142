// What EC2 says about the matrix's instance types: DescribeInstanceTypes, every page.
import { paginateDescribeInstanceTypes, type EC2Client, type InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { ec2Call } from './ec2-errors.js';

/** The `local` pseudo-type (this machine) is not an EC2 type; the fleet commands skip it. */
export const LOCAL_INSTANCE_TYPE = 'local';

export function ec2InstanceTypes(types: readonly string[]): string[] {
  return [...new Set(types)].filter((type) => type !== LOCAL_INSTANCE_TYPE);
}

// A filter, not the InstanceTypes parameter: with that parameter one misspelt type fails the
// whole call (InvalidInstanceType), while a filter returns the types that exist and lets the
// report name every unknown one.
const TYPES_PER_CALL = 100;

/** The region's descriptions of `types`; a type the region does not offer is simply absent. */
export async function describeInstanceTypes(client: EC2Client, types: readonly string[], region?: string): Promise<InstanceTypeInfo[]> {
  const infos: InstanceTypeInfo[] = [];
  for (let start = 0; start < types.length; start += TYPES_PER_CALL) {
    const chunk = types.slice(start, start + TYPES_PER_CALL);
    await ec2Call('DescribeInstanceTypes', region, async () => {
      const pages = paginateDescribeInstanceTypes(
        { client, pageSize: 100 },
        { Filters: [{ Name: 'instance-type', Values: chunk }] },
      );
      for await (const page of pages) infos.push(...(page.InstanceTypes ?? []));
    });
  }
  return infos;
}
