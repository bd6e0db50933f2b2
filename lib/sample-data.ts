import { fileStamp, type DataInterval } from './intervals';

/** Size and dirtiness of generated sample data. */
export interface SampleOptions {
  seed: number;
  members: number;
  providers: number;
  claimsPerInterval: number;
  /** Share of rows (0–1) that get a realistic defect: missing key, bad date, bad amount, extra column. */
  dirt: number;
}

/** One generated landing file: the entity it belongs to and its CSV text. */
export interface SampleFile {
  entity: string;
  csv: string;
}

/** mulberry32: a small deterministic PRNG, so the same seed and interval always give the same files. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ana', 'Ben', 'Chloe', 'Diego', 'Emma', 'Farah', 'Gus', 'Hana', 'Ivan', 'Jade', 'Kofi', 'Lena'];
const LAST = ['Garcia', 'Smith', 'Nguyen', 'Okafor', 'Kowalski', 'Haddad', 'Rossi', 'Tanaka', 'Brown', 'Silva'];
const SPECIALTIES = ['family medicine', 'cardiology', 'orthopedics', 'pediatrics', 'radiology', 'dermatology'];
const PLANS = ['PLN-BRONZE', 'PLN-SILVER', 'PLN-GOLD'];
const STATUSES = ['submitted', 'adjudicated', 'approved', 'denied', 'paid'];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const csvField = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** Applies the dirt knob to one row: returns the row, possibly broken in one realistic way. */
function dirty(
  r: () => number,
  dirt: number,
  row: string[],
  keyIndex: number,
  dateIndex: number,
  amountIndex?: number,
): string[] {
  if (r() >= dirt) return row;
  const out = [...row];
  switch (Math.floor(r() * 4)) {
    case 0:
      out[keyIndex] = '';
      break;
    case 1:
      out[dateIndex] = '31/02/2026';
      break;
    case 2:
      if (amountIndex !== undefined) out[amountIndex] = 'N/A';
      else out[dateIndex] = 'unknown';
      break;
    default:
      out.push('unexpected');
  }
  return out;
}

/** The landing files of one interval: members and providers snapshots plus the interval's new claims. */
export function sampleFiles(interval: DataInterval, o: SampleOptions): SampleFile[] {
  const intervalSeed = Math.floor(new Date(interval.start).getTime() / 3_600_000);
  const r = rng(o.seed * 1_000_003 + intervalSeed);
  const base = rng(o.seed); // attributes that must not change between intervals
  const start = new Date(interval.start).getTime();

  const members = Array.from({ length: o.members }, (_, i) => {
    const coverageStart = Date.UTC(2024, 0, 1) + Math.floor(base() * 900) * 86_400_000;
    const ends = base() < 0.2;
    return [
      `M${pad(i + 1, 7)}`,
      pick(base, FIRST),
      pick(base, LAST),
      isoDate(Date.UTC(1950, 0, 1) + Math.floor(base() * 20_000) * 86_400_000),
      pick(base, PLANS),
      isoDate(coverageStart),
      ends ? isoDate(coverageStart + Math.floor(base() * 700 + 30) * 86_400_000) : '',
    ];
  });
  const providers = Array.from({ length: o.providers }, (_, i) => [
    `P${pad(i + 1, 5)}`,
    `${pick(base, LAST)} ${pick(base, ['Clinic', 'Medical Group', 'Health', 'Associates'])}`,
    pick(base, SPECIALTIES),
    base() < 0.85 ? 'in_network' : 'out_of_network',
  ]);
  const claims = Array.from({ length: o.claimsPerInterval }, (_, i) => {
    const billed = Math.round((50 + r() * 4950) * 100) / 100;
    const status = pick(r, STATUSES);
    const paid = status === 'paid' || status === 'approved' ? Math.round(billed * (0.4 + r() * 0.5) * 100) / 100 : 0;
    return [
      `C${fileStamp(interval.start)}-${pad(i + 1, 6)}`,
      `M${pad(1 + Math.floor(r() * o.members), 7)}`,
      `P${pad(1 + Math.floor(r() * o.providers), 5)}`,
      isoDate(start - Math.floor(r() * 30) * 86_400_000),
      billed.toFixed(2),
      paid.toFixed(2),
      status,
    ];
  });
  return [
    {
      entity: 'members',
      csv: toCsv(
        ['member_id', 'first_name', 'last_name', 'birth_date', 'plan_id', 'coverage_start', 'coverage_end'],
        members.map((row) => dirty(r, o.dirt, row, 0, 3)),
      ),
    },
    {
      entity: 'providers',
      csv: toCsv(['provider_id', 'provider_name', 'specialty', 'network_status'], providers),
    },
    {
      entity: 'claims',
      csv: toCsv(
        ['claim_id', 'member_id', 'provider_id', 'service_date', 'billed_amount', 'paid_amount', 'claim_status'],
        claims.map((row) => dirty(r, o.dirt, row, 0, 3, 4)),
      ),
    },
  ];
}
