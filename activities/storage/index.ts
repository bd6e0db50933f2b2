/** Where shared files live (the landing zone, the Delta export): a local folder or S3-compatible object storage. */
export * from './object-store';
export * from './open-object-store';
export * from './local-object-store';
export * from './s3-object-store';
export * from './s3-errors';
