// Current spot prices per instance type: DescribeSpotPriceHistory from now, the lowest price
// across the region's availability zones, and the `prices:` snippet a matrix takes.
import { paginateDescribeSpotPriceHistory, type _InstanceType, type EC2Client, type SpotPrice } from '@aws-sdk/client-ec2';
import { ec2Call } from './ec2-errors.js';
import { maxOf } from '../../reports/number-extremes.js';

export const SPOT_PRODUCT = 'Linux/UNIX';

export interface LowestSpotPrice {
  instanceType: string;
  usdPerHour: number;
  availabilityZone: string;
}

export interface SpotPriceTable {
  region: string | undefined;
  prices: LowestSpotPrice[];
  /** Types with no current spot price (not offered as spot, or unknown). */
  missing: string[];
}

/** Every current spot price for `types`: with StartTime now, AWS returns the price in force per zone. */
export async function fetchSpotPrices(client: EC2Client, types: readonly string[], now: Date, region?: string): Promise<SpotPrice[]> {
  if (types.length === 0) return [];
  return ec2Call('DescribeSpotPriceHistory', region, async () => {
    const prices: SpotPrice[] = [];
    const pages = paginateDescribeSpotPriceHistory(
      { client, pageSize: 1000 },
      {
        StartTime: now,
        ProductDescriptions: [SPOT_PRODUCT],
        // The matrix validated the names' characters; EC2 answers for the ones it knows.
        InstanceTypes: types as _InstanceType[],
      },
    );
    for await (const page of pages) prices.push(...(page.SpotPriceHistory ?? []));
    return prices;
  });
}

/** The lowest price per type, in the order `types` lists them; types without a price are `missing`. */
export function lowestSpotPrices(types: readonly string[], history: readonly SpotPrice[], region?: string): SpotPriceTable {
  const lowest = new Map<string, LowestSpotPrice>();
  for (const entry of history) {
    const usdPerHour = Number(entry.SpotPrice);
    const instanceType = entry.InstanceType;
    if (!instanceType || !Number.isFinite(usdPerHour) || usdPerHour <= 0) continue;
    if (entry.ProductDescription && entry.ProductDescription !== SPOT_PRODUCT) continue;
    const known = lowest.get(instanceType);
    if (!known || usdPerHour < known.usdPerHour) {
      lowest.set(instanceType, { instanceType, usdPerHour, availabilityZone: entry.AvailabilityZone ?? '' });
    }
  }
  return {
    region,
    prices: types.filter((type) => lowest.has(type)).map((type) => lowest.get(type)!),
    missing: types.filter((type) => !lowest.has(type)),
  };
}

export function formatSpotPriceTable(table: SpotPriceTable): string {
  const rows = [['instance type', 'USD/hour', 'zone'], ...table.prices.map((p) => [p.instanceType, p.usdPerHour.toFixed(4), p.availabilityZone])];
  const widths = rows[0]!.map((_, column) => maxOf(rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  lines.unshift(`Lowest current ${SPOT_PRODUCT} spot price${table.region ? ` in ${table.region}` : ''}`);
  if (table.missing.length > 0) lines.push(`no spot price: ${table.missing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** `{ prices: { type: usdPerHour } }`, the matrix's own field. */
export function pricesField(table: SpotPriceTable): { prices: Record<string, number> } {
  return { prices: Object.fromEntries(table.prices.map((p) => [p.instanceType, p.usdPerHour])) };
}
