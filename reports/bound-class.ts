// The CSS class that colours a verdict by its bound, the same in every table and card.
export function boundClass(bound: string | undefined): string {
  return `bound-${bound ?? 'none'}`;
}
