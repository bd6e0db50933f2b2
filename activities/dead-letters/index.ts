export * from './dead-letter-activities';
