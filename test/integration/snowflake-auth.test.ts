import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyError } from '../../activities/errors';
import { openWarehouse, WarehouseConfigError } from '../../workers/warehouse-factory';
import { describeEngines, only } from '../helpers/engines';
import { openFakesnow } from '../helpers/fakesnow';
import { testConfig } from '../helpers/platform';
import { tmpDir } from '../helpers/tmp';
import { testServices } from '../setup/test-services';

/**
 * Key-pair (JWT) auth through the worker's config: the key from a file or the environment, encrypted
 * with a passphrase or not. The local server checks the token as Snowflake does: issued for the user,
 * carrying the fingerprint of a public key set with ALTER USER … SET RSA_PUBLIC_KEY, signed by its key.
 */
describeEngines(
  'Snowflake key-pair auth on %s (the local Snowflake-protocol server)',
  () => {
    const database = `edp_auth_${process.pid}`;
    const user = `edp_kp_${process.pid}`;
    const dir = tmpDir();
    const passphrase = 'correct horse battery staple';
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const encryptedFile = join(dir, 'rsa_key.p8');
    writeFileSync(
      encryptedFile,
      privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }),
    );
    const plainPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

    const config = (auth: Record<string, string>) =>
      testConfig('it-sf-auth', {
        warehouse: {
          engine: 'snowflake',
          snowflake: {
            account: 'fakesnow',
            user,
            database,
            accessUrl: `http://127.0.0.1:${testServices().snowflakePort}`,
            ...auth,
          },
        },
      }).config;

    beforeAll(async () => {
      const admin = await openFakesnow(database);
      try {
        const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
        await admin.execute(`ALTER USER ${user} SET RSA_PUBLIC_KEY = '${der}'`);
      } finally {
        await admin.close();
      }
    });

    it('logs in with an encrypted key file and its passphrase from the environment', async () => {
      const w = await openWarehouse(
        config({ privateKeyFile: encryptedFile, privateKeyPassphraseEnv: 'EDP_TEST_KEY_PASS' }),
        { EDP_TEST_KEY_PASS: passphrase },
      );
      try {
        expect(await w.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      } finally {
        await w.close();
      }
    });

    it('logs in with the key in an environment variable, newlines escaped as one line', async () => {
      const oneLine = plainPem.trim().replace(/\n/g, '\\n');
      const w = await openWarehouse(config({ privateKeyEnv: 'EDP_TEST_KEY' }), { EDP_TEST_KEY: oneLine });
      await w.close();
    });

    it('is refused with a key the user does not have, without retrying', async () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string;
      const err = await openWarehouse(config({ privateKeyEnv: 'EDP_TEST_KEY' }), { EDP_TEST_KEY: other }).catch(
        (e: unknown) => e,
      );
      expect(String(err)).toMatch(/JWT token is invalid/);
      expect(err).toMatchObject({ code: '390144' }); // Snowflake's code, as a retry cannot fix it
      expect(classifyError(err, 'open')).toMatchObject({ nonRetryable: true });
    });

    it('names the config key for a wrong passphrase, a missing one, or an unset variable', async () => {
      const wrong = openWarehouse(config({ privateKeyFile: encryptedFile, privateKeyPassphraseEnv: 'P' }), { P: 'x' });
      await expect(wrong).rejects.toThrow(WarehouseConfigError);
      await expect(wrong).rejects.toThrow(/warehouse\.snowflake\.privateKeyFile: not a usable PEM private key with/);
      await expect(openWarehouse(config({ privateKeyFile: encryptedFile }), {})).rejects.toThrow(
        /an encrypted key needs warehouse\.snowflake\.privateKeyPassphraseEnv/,
      );
      await expect(openWarehouse(config({ privateKeyEnv: 'EDP_UNSET_KEY' }), {})).rejects.toThrow(
        'warehouse.snowflake.privateKeyEnv: environment variable EDP_UNSET_KEY is not set',
      );
    });
  },
  only('snowflake'),
);
