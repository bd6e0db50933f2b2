/** File-format code shared by the loaders: CSV line scanning, headers and field splitting, JSON value text. */
export * from './csv-lines';
export * from './csv-row-numbers';
export * from './csv-header';
export * from './csv-fields';
export * from './encodings';
export * from './json-text';
