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
