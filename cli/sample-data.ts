import { fileStamp, type DataInterval } from '../lib/intervals';

/** Size and dirtiness of generated sample data. */
export interface SampleOptions {
  seed: number;
  members: number;
  providers: number;
  claimsPerInterval: number;
  /**
   * Share of rows (0–1) that get one realistic defect: a missing key, a wrong type, an extra column,
   * a malformed CSV line, a bad encoding, an unknown foreign key or a duplicate record.
   */
  dirt: number;
}

/** Defaults for `edp generate` and the demo: small enough to run in seconds, dirty enough to show quarantine. */
export const DEFAULT_SAMPLE: SampleOptions = {
  seed: 42,
  members: 500,
  providers: 40,
  claimsPerInterval: 2000,
  dirt: 0.01,
};

/** One generated landing file: its entity, format and bytes. */
export interface SampleFile {
  entity: string;
  format: 'csv' | 'ndjson';
  content: Buffer;
}

/** mulberry32: a small deterministic PRNG, so the same seed and interval always give the same files. */
export function rng(seed: number): () => number {
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
const DEDUCTIBLE: Record<string, number> = { 'PLN-BRONZE': 7000, 'PLN-SILVER': 3500, 'PLN-GOLD': 1000 };
const STATUSES = ['submitted', 'adjudicated', 'approved', 'denied', 'paid'];
const DAY = 86_400_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * The id of an interval's `sequence`-th claim (from 1): `C<file stamp>-` and the sequence in at least six
 * digits, as the `claim_id_format` rule expects; the millionth claim and later ones take seven or more.
 */
export function claimId(stamp: string, sequence: number): string {
  return `C${stamp}-${pad(sequence, 6)}`;
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const csvField = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const money = (n: number): string => (Math.round(n * 100) / 100).toFixed(2);

/** A CSV row and how it is written: bad encoding is a property of the bytes, not of the values. */
interface Line {
  text: string;
  latin1?: boolean;
}

/** Columns a defect may touch in a row. */
interface RowShape {
  key: number;
  typed: number;
  foreignKey?: { index: number; unknown: string };
}

/** Renders rows as CSV lines, giving a `dirt` share of them one realistic defect. */
function csvLines(r: () => number, dirt: number, rows: string[][], shape: RowShape): Line[] {
  const lines: Line[] = [];
  rows.forEach((row, i) => {
    const out = [...row];
    const line = (): string => out.map(csvField).join(',');
    if (r() >= dirt) {
      lines.push({ text: line() });
      return;
    }
    switch (Math.floor(r() * 7)) {
      case 0:
        out[shape.key] = ''; // missing mandatory key
        break;
      case 1:
        out[shape.typed] = pick(r, ['31/02/2026', 'N/A', 'twelve']); // wrong type
        break;
      case 2:
        out.push('unexpected'); // an extra column
        break;
      case 3:
        lines.push({ text: `${line()},"unterminated` }); // malformed CSV line
        return;
      case 4:
        lines.push({ text: line().replace(/[aeo]/, 'é'), latin1: true }); // a latin-1 byte in a UTF-8 file
        return;
      case 5:
        if (shape.foreignKey) out[shape.foreignKey.index] = shape.foreignKey.unknown; // unknown foreign key
        break;
      default:
        if (i > 0) lines.push({ text: lines[lines.length - 1].text }); // duplicate of the previous record
    }
    lines.push({ text: line() });
  });
  return lines;
}

function csvFile(entity: string, header: string[], lines: Line[]): SampleFile {
  const parts = [
    Buffer.from(`${header.join(',')}\n`),
    ...lines.map((l) => Buffer.from(`${l.text}\n`, l.latin1 ? 'latin1' : 'utf8')),
  ];
  return { entity, format: 'csv', content: Buffer.concat(parts) };
}

/**
 * The landing files of one interval: members and providers snapshots, the interval's claims with
 * their lines, eligibility changes (NDJSON) and deductible accumulators.
 */
export function sampleFiles(interval: DataInterval, o: SampleOptions): SampleFile[] {
  const intervalSeed = Math.floor(new Date(interval.start).getTime() / 3_600_000);
  const r = rng(o.seed * 1_000_003 + intervalSeed);
  const base = rng(o.seed); // attributes that must not change between intervals
  const start = new Date(interval.start).getTime();
  const stamp = fileStamp(interval.start);
  const year = new Date(interval.start).getUTCFullYear();

  const members = Array.from({ length: o.members }, (_, i) => {
    const coverageStart = Date.UTC(2024, 0, 1) + Math.floor(base() * 900) * DAY;
    const ends = base() < 0.2;
    return [
      `M${pad(i + 1, 7)}`,
      pick(base, FIRST),
      pick(base, LAST),
      isoDate(Date.UTC(1950, 0, 1) + Math.floor(base() * 20_000) * DAY),
      pick(base, PLANS),
      isoDate(coverageStart),
      ends ? isoDate(coverageStart + Math.floor(base() * 700 + 30) * DAY) : '',
    ];
  });
  const providers = Array.from({ length: o.providers }, (_, i) => [
    `P${pad(i + 1, 5)}`,
    `${pick(base, LAST)} ${pick(base, ['Clinic', 'Medical Group', 'Health', 'Associates'])}`,
    pick(base, SPECIALTIES),
    base() < 0.85 ? 'in_network' : 'out_of_network',
  ]);
  const claims = Array.from({ length: o.claimsPerInterval }, (_, i) => {
    const billed = 50 + r() * 4950;
    const status = pick(r, STATUSES);
    const paid = status === 'paid' || status === 'approved' ? billed * (0.4 + r() * 0.5) : 0;
    return [
      claimId(stamp, i + 1),
      `M${pad(1 + Math.floor(r() * o.members), 7)}`,
      `P${pad(1 + Math.floor(r() * o.providers), 5)}`,
      isoDate(start - Math.floor(r() * 30) * DAY),
      money(billed),
      money(paid),
      status,
    ];
  });
  const lines = claims.flatMap((c) => {
    const n = 1 + Math.floor(r() * 3);
    return Array.from({ length: n }, (_, k) => [
      c[0],
      String(k + 1),
      pad(99201 + Math.floor(r() * 800), 5),
      money(Number(c[4]) / n),
      money((Number(c[4]) / n) * 0.8),
      money(Number(c[5]) / n),
    ]);
  });
  // Eligibility changes: a few members' coverage is (re)stated in every interval.
  const eligibility = members
    .filter(() => r() < 0.05)
    .map((m, i) => {
      const doc = {
        member_id: m[0],
        plan_id: m[4],
        coverage_start: m[5],
        coverage_end: m[6] || null,
        status: m[6] ? 'terminated' : 'active',
        updated_at: new Date(start + i * 1000).toISOString(),
      };
      return r() < o.dirt ? JSON.stringify(doc).slice(0, -12) : JSON.stringify(doc); // a truncated (invalid) line
    });
  const memberPlan = new Map(members.map((m) => [m[0], m[4]]));
  const spent = new Map<string, number>();
  for (const c of claims) spent.set(c[1], (spent.get(c[1]) ?? 0) + Number(c[5]));
  const accumulators = [...spent].map(([member, paid]) => {
    const deductible = DEDUCTIBLE[memberPlan.get(member) ?? 'PLN-SILVER'];
    return [member, String(year), money(Math.min(paid, deductible)), money(paid), isoDate(start)];
  });

  return [
    csvFile(
      'members',
      ['member_id', 'first_name', 'last_name', 'birth_date', 'plan_id', 'coverage_start', 'coverage_end'],
      csvLines(r, o.dirt, members, { key: 0, typed: 3 }),
    ),
    csvFile(
      'providers',
      ['provider_id', 'provider_name', 'specialty', 'network_status'],
      csvLines(r, 0, providers, { key: 0, typed: 0 }),
    ),
    csvFile(
      'claims',
      ['claim_id', 'member_id', 'provider_id', 'service_date', 'billed_amount', 'paid_amount', 'claim_status'],
      csvLines(r, o.dirt, claims, { key: 0, typed: 4, foreignKey: { index: 1, unknown: 'M9999999' } }),
    ),
    csvFile(
      'claim_lines',
      ['claim_id', 'line_number', 'procedure_code', 'billed_amount', 'allowed_amount', 'paid_amount'],
      csvLines(r, o.dirt, lines, { key: 0, typed: 1 }),
    ),
    { entity: 'eligibility', format: 'ndjson', content: Buffer.from(eligibility.map((l) => `${l}\n`).join('')) },
    csvFile(
      'accumulators',
      ['member_id', 'plan_year', 'deductible_met', 'out_of_pocket_met', 'as_of'],
      csvLines(r, o.dirt, accumulators, { key: 0, typed: 2 }),
    ),
  ];
}
