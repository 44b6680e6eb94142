// Names of resources derived from instance types: Pulumi logical names allow dots, but AWS
// names (launch templates, tags people read) are clearer with dashes.

/** `c7g-large` for `c7g.large`. */
export function instanceTypeSlug(instanceType: string): string {
  return instanceType.replace(/[^A-Za-z0-9-]/g, '-');
}

/** SSM parameter names live under one path per stack, so one IAM statement can cover them. */
export function parameterPath(stack: string, name: string): string {
  return `/bitbench/${stack}/${name}`;
}
