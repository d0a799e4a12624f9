import { PostgresClusterProps } from './props';
import { parseQuantity, sizeQuantity } from '../private/quantities';
import { Problem, problem, Rules } from '../private/validation';

/** Where a cluster moves to a smaller volume or another class: a new cluster cloned from this one. */
const MIGRATE = 'create a new cluster from this one (source: ClusterBootstrap.cloneFrom(...)) and move the applications to it';

/**
 * The size the StatefulSet's volumeClaimTemplates request: what the cluster was created with. The
 * API server refuses every change to them, so growth never touches the template.
 */
export function templateStorage(props: PostgresClusterProps, storage: string): string {
  return props.volumeClaimTemplate ? sizeQuantity(props.volumeClaimTemplate.storage) : storage;
}

const MIN_STORAGE_BYTES = 1024 ** 3;

/** Every problem of the data volume props: the size, the class, and changes of a running cluster. */
export function storageProblems(props: PostgresClusterProps, storage: string): Problem[] {
  const quantityProblem = Rules.quantity(storage);
  const problems: Problem[] = quantityProblem ? [problem('storage', storage, quantityProblem)] : [];
  if (!quantityProblem && parseQuantity(storage) <= 0) problems.push(problem('storage', storage, 'must be greater than zero'));
  if (!quantityProblem && parseQuantity(storage) > 0 && parseQuantity(storage) < MIN_STORAGE_BYTES) {
    problems.push(problem('storage', storage, 'must be at least 1Gi: initdb, the WAL PostgreSQL keeps (max_wal_size) and Spilo\'s logs fill a smaller volume before any data'));
  }
  if (props.storageClassName !== undefined) {
    const classProblem = Rules.dns1123Subdomain(props.storageClassName);
    if (classProblem) problems.push(problem('storageClassName', props.storageClassName, classProblem));
  }
  return [...problems, ...storageChangeProblems(props, storage)];
}

/**
 * Storage changes of a running cluster, checked against what it was created with
 * (`volumeClaimTemplate`): volumes only grow, and a claim's class never changes.
 */
function storageChangeProblems(props: PostgresClusterProps, storage: string): Problem[] {
  const template = props.volumeClaimTemplate;
  if (!template || Rules.quantity(storage)) return [];
  const created = sizeQuantity(template.storage);
  const quantityProblem = Rules.quantity(created);
  if (quantityProblem) return [problem('volumeClaimTemplate.storage', created, quantityProblem)];
  const problems: Problem[] = [];
  if (parseQuantity(storage) < parseQuantity(created)) {
    problems.push(problem('storage', storage, `must be at least volumeClaimTemplate.storage (${created}): a volume cannot shrink `
      + `(the API server refuses a smaller request on a claim, and no storage shrinks a file system in place); to use less, ${MIGRATE}`));
  }
  if ((props.storageClassName ?? '') !== (template.storageClassName ?? '')) {
    const was = template.storageClassName === undefined ? 'unset (the default StorageClass)' : `"${template.storageClassName}"`;
    problems.push(problem('storageClassName', props.storageClassName, `must stay ${was} as volumeClaimTemplate.storageClassName records: `
      + `the StatefulSet's volumeClaimTemplates and a claim's class are immutable; to change the class, ${MIGRATE}`));
  }
  return problems;
}
