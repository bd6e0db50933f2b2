import { z } from 'zod';

/** `host:port`, as Temporal and Kafka addresses are written. */
export const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');
/** A plain SQL identifier, safe to quote into SQL. */
export const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain SQL identifier (letters, digits, underscore)');
/** A whole number above 0. */
export const positiveInt = z.number().int().positive();
/** A TCP port; 0 lets the system choose (or turns an endpoint off where the key says so). */
export const port = z.number().int().min(0).max(65535);

/** Column types a landing-file entity may declare; each dialect maps them to its own type names. */
export const columnTypeSchema = z.enum(['string', 'integer', 'decimal', 'date', 'timestamp', 'boolean']);
/** A column type of a landing-file entity. */
export type ColumnType = z.infer<typeof columnTypeSchema>;
/** Named columns and their platform types; at least one. */
export const columnsSchema = z
  .record(identifier, columnTypeSchema)
  .refine((c) => Object.keys(c).length > 0, 'needs at least one column');

/** A decimal with its precision (all digits) and scale (digits after the point) declared, e.g. `decimal(12,2)`. */
export type DecimalType = `decimal(${number},${number})`;
/** A column type of a landing file: a platform type, or a decimal of declared precision and scale. */
export type LandingColumnType = ColumnType | DecimalType;

const DECIMAL = /^decimal\((\d+),(\d+)\)$/;

/** Precision and scale of a `decimal(p,s)` type, or undefined for any other type (bare `decimal` included). */
export function decimalSpec(type: LandingColumnType): { precision: number; scale: number } | undefined {
  const m = DECIMAL.exec(type);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined;
}

/** A landing column's type: a platform type or `decimal(p,s)` with 1 ≤ p ≤ 38 and 0 ≤ s ≤ p. */
export const landingColumnTypeSchema = z.union([
  columnTypeSchema,
  z
    .string()
    .transform((t) => t.replace(/\s+/g, ''))
    .refine((t) => DECIMAL.test(t), `expected ${columnTypeSchema.options.join(', ')} or decimal(precision,scale)`)
    .refine((t) => {
      const spec = decimalSpec(t as DecimalType);
      return !spec || (spec.precision >= 1 && spec.precision <= 38 && spec.scale <= spec.precision);
    }, 'decimal(precision,scale) needs 1 ≤ precision ≤ 38 and scale ≤ precision')
    .transform((t) => t as DecimalType),
]);
/** Named columns of a landing file and their types; at least one. */
export const landingColumnsSchema = z
  .record(identifier, landingColumnTypeSchema)
  .refine((c) => Object.keys(c).length > 0, 'needs at least one column');
