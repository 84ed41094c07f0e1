// The Availability Zones of a region, as a new account sees them. AWS maps zone letters to physical
// zones per account; the local cloud's account has the usual letters of each region and the zone ids
// AWS prints for them (`use1-az1` …), so templates that pick zones by name or by Fn::GetAZs see the
// names they would see on AWS.

/** Regions whose zone letters are not a, b, c (the default of every other region). */
const ZONE_LETTERS: Record<string, string> = {
  'us-east-1': 'abcdef',
  'us-west-1': 'ac',
  'us-west-2': 'abcd',
  'ap-northeast-1': 'acd',
  'ap-northeast-2': 'abcd',
};

const DIRECTIONS: Record<string, string> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  southeast: 'se',
  northwest: 'nw',
  southwest: 'sw',
};

export interface AvailabilityZone {
  /** `us-east-1a`. */
  readonly name: string;
  /** `use1-az1`. */
  readonly id: string;
}

/** `us-east-1` → `use1`, the prefix of the region's zone ids. */
function zoneIdPrefix(region: string): string {
  const [area = region, direction = '', number = ''] = region.split('-');
  return `${area}${DIRECTIONS[direction] ?? direction.charAt(0)}${number}`;
}

export function availabilityZones(region: string): AvailabilityZone[] {
  const letters = ZONE_LETTERS[region] ?? 'abc';
  return [...letters].map((letter, index) => ({
    name: `${region}${letter}`,
    id: `${zoneIdPrefix(region)}-az${index + 1}`,
  }));
}
