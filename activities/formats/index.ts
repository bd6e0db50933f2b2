/** File-format code shared by the loaders: CSV line scanning, CSV field splitting and JSON value text. */
export * from './csv-lines';
export * from './csv-fields';
export * from './json-text';
