import { scd2Columns, versionColumns } from '../../../../activities/streaming/history';

describe('SCD2 history shape', () => {
  it('names the version columns after an `_id` key as dim_member does, and generically otherwise', () => {
    expect(versionColumns(['member_id'])).toEqual({ id: 'member_version_id', number: 'member_version' });
    expect(versionColumns(['provider_id'])).toEqual({ id: 'provider_version_id', number: 'provider_version' });
    expect(versionColumns(['claim_id', 'line_number'])).toEqual({ id: 'version_id', number: 'version' });
  });

  it('puts the dimension columns first, then the hash and the source position', () => {
    expect(scd2Columns({ key: ['member_id'], columns: ['first_name', 'plan_id'] })).toEqual([
      'member_version_id',
      'member_id',
      'member_version',
      'first_name',
      'plan_id',
      'valid_from',
      'valid_to',
      'is_current',
      'row_hash',
      '_edp_lsn',
      '_edp_kafka_partition',
      '_edp_kafka_offset',
    ]);
  });
});
