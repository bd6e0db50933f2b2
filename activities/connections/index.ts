/** Connections to the services the platform reads from (Kafka, PostgreSQL sources): TLS, logins and secrets, one builder each. */
export { kafkaClient } from './kafka-connection';
export { connectPostgres, explainPostgresError, postgresClientConfig, sourceKey } from './postgres-connection';
export { readConfiguredFile, readSecret, readSecretLine, secretKey, type SecretSource } from './secrets';
export { tlsMaterial, tlsRefused } from './tls-material';
export { probeTls, tlsFailureOf, type ProbeOptions, type TlsFailure, type TlsMaterial } from './tls-probe';
