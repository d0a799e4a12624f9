import { BackupTarget } from './backup-target';
import { Credentials } from '../credentials/credentials';
import { DURATION, PropSchema, SIZE } from '../private/runtime-types';

/** {@link BackupScheduleProps} at run time (test/unit/private/construct-prop-types.test.ts compares the two). */
export const BACKUP_SCHEDULE_SCHEMA: PropSchema = {
  required: ['cluster', 'schedule', 'storage', 'retention'],
  types: {
    cluster: 'object',
    schedule: 'string',
    storage: { instanceOf: BackupTarget, example: 'BackupTarget.objectStorage(...) / newPersistentVolumeClaim(...) / existingClaim(...)' },
    retention: 'integer',
    databases: 'string[]',
    verify: 'boolean',
    verifySchedule: 'string',
    globals: 'boolean',
    user: 'string',
    credentials: { instanceOf: Credentials, example: 'Credentials.generated() / fromSecret() / fromExternalSecret()' },
    name: 'string',
    image: 'string',
    imagePullSecrets: 'string[]',
    resources: 'object',
    timeZone: 'string',
    activeDeadline: DURATION,
    startingDeadline: DURATION,
    backoffLimit: 'integer',
    successfulJobsHistoryLimit: 'integer',
    failedJobsHistoryLimit: 'integer',
    scratchSize: SIZE,
    scratchStorageClassName: 'string',
    serviceAccountName: 'string',
    suspend: 'boolean',
    labels: 'record',
  },
};
