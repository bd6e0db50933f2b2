import { rmSync } from 'node:fs';
import { DuckDbWarehouse } from '../../activities/warehouse';
import { rng } from '../../cli/sample-data';

/** Rows of the `customers` seed (customer ids 1…CUSTOMERS). */
export const CUSTOMERS = 2000;
const PRODUCTS = 400;
const ORDERS = 6000;
/** Rows of the `landing.events` source table. */
export const EVENTS = 5000;
const STATUSES = ['placed', 'shipped', 'returned'];
const EVENT_TYPES = ['click', 'view', 'purchase'];
const REGIONS = ['north', 'south', 'east', 'west'];
const PRODUCT_CATEGORIES = ['cat_a', 'cat_b', 'cat_c', 'cat_d', 'cat_e', 'cat_f', 'cat_g', 'cat_h'];
/** Every value a model's `category` column may hold (its accepted_values test). */
export const CATEGORIES = [...STATUSES, ...EVENT_TYPES, ...REGIONS, ...PRODUCT_CATEGORIES];
/** The source table, created in every warehouse file before a run (dbt does not build sources). */
const EVENTS_DDL = [
  'create schema if not exists landing',
  `create or replace table landing.events as
   select i as event_id, (i * 7919) % ${CUSTOMERS} + 1 as customer_id,
     ['click', 'view', 'purchase'][i % 3 + 1] as event_type, (i * 31) % 500 as value,
     cast(date '2025-01-01' + cast((i * 13) % 365 as integer) as date) as event_date
   from range(1, ${EVENTS + 1}) t(i)`,
];

const isoDay = (base: string, days: number): string =>
  new Date(Date.parse(`${base}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The seeds' CSV text by seed name (deterministic). */
export function seedCsvs(): Record<string, string> {
  const r = rng(7);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const customers = ['customer_id,customer_name,region,segment,signup_date'];
  for (let id = 1; id <= CUSTOMERS; id++) {
    const segment = ['retail', 'wholesale', 'online'][id % 3];
    customers.push(`${id},customer ${id},${REGIONS[id % 4]},${segment},${isoDay('2024-01-01', (id * 37) % 700)}`);
  }
  const products = ['product_id,category,price_cents'];
  for (let id = 1; id <= PRODUCTS; id++) products.push(`${id},${PRODUCT_CATEGORIES[id % 8]},${int(100, 9999)}`);
  const orders = ['order_id,customer_id,product_id,quantity,order_date,status'];
  for (let id = 1; id <= ORDERS; id++) {
    orders.push(
      `${id},${int(1, CUSTOMERS)},${int(1, PRODUCTS)},${int(1, 9)},${isoDay('2025-01-01', int(0, 364))},${STATUSES[int(0, 2)]}`,
    );
  }
  return {
    customers: customers.join('\n') + '\n',
    products: products.join('\n') + '\n',
    orders: orders.join('\n') + '\n',
  };
}

/** A fresh warehouse file holding the source table. */
export async function freshWarehouse(path: string): Promise<DuckDbWarehouse> {
  for (const f of [path, `${path}.wal`]) rmSync(f, { force: true });
  const w = await DuckDbWarehouse.open({ path });
  for (const sql of EVENTS_DDL) await w.execute(sql);
  return w;
}
