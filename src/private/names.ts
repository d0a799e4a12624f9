/** Spilo's superuser and replication user (PGUSER_SUPERUSER / PGUSER_STANDBY): the same in every cluster. */
export const SPILO_SUPERUSER = 'postgres';
export const SPILO_REPLICATION_USER = 'standby';

/** One label per pod group of the bundle (members, each Job, poolers), so each NetworkPolicy selects exactly its pods. */
export const NETWORK_GROUP_LABEL = 'cdk8s-pgaas.io/network-group';

/**
 * The pod groups of a cluster: the members, the pooler and each Job that talks to something (the secret generator,
 * the bootstrap, the dynamic configuration, the major upgrade, the volume expansion). Suffixes stay at most as long
 * as `-bootstrap`, the longest name the policies' validation checks.
 */
export type NetworkGroup = 'database' | 'pooler' | 'secrets' | 'bootstrap' | 'config' | 'upgrade' | 'volumes';

/**
 * Every object name the library derives from a cluster name, in one place, so name-length
 * validation covers each suffix (apps hard-code these names, so they never carry hashes).
 */
export class ClusterNames {
  /** Suffixes of Service names (DNS-1035 labels, at most 63 characters), including those of optional features. */
  public static readonly SERVICE_SUFFIXES = ['', '-repl', '-headless', '-pooler', '-pooler-repl'];

  /**
   * The longest cluster name: pod names (`<name>-<ordinal>`) must fit the 63-character
   * controller-revision-hash label, which caps StatefulSet names at 52; every Service name must fit 63.
   */
  public static readonly MAX_LENGTH = Math.min(52, 63 - Math.max(...ClusterNames.SERVICE_SUFFIXES.map((s) => s.length)));

  constructor(public readonly cluster: string) {}

  public get statefulSet(): string { return this.cluster; }
  public get primaryService(): string { return this.cluster; }
  public get replicaService(): string { return `${this.cluster}-repl`; }
  public get headlessService(): string { return `${this.cluster}-headless`; }
  public get podDisruptionBudget(): string { return this.cluster; }
  public get patroniRbac(): string { return `${this.cluster}-patroni`; }
  /** The primary pooler's Deployment, Service, ConfigMap and PodDisruptionBudget. */
  public get primaryPooler(): string { return `${this.cluster}-pooler`; }
  /** The replica pooler's objects. */
  public get replicaPooler(): string { return `${this.cluster}-pooler-repl`; }
  /** The secret generator's ServiceAccount, Role and RoleBinding; its Job and ConfigMap add suffixes. */
  public get secretGenerator(): string { return `${this.cluster}-secrets`; }
  /** The volume expansion's ServiceAccount, Role and RoleBinding; its Job adds a content hash. */
  public get volumeExpansion(): string { return `${this.cluster}-volumes`; }
  /** A member's data volume claim (the StatefulSet controller names it `<template>-<pod>`). */
  public dataVolumeClaim(ordinal: number): string { return `pgdata-${this.pod(ordinal)}`; }
  /** The bootstrap Job and ConfigMap (before their content hash). */
  public get bootstrap(): string { return `${this.cluster}-bootstrap`; }
  /** The Secret with the server certificate, when the library names it (cert-manager). */
  public get tlsSecret(): string { return `${this.cluster}-tls`; }
  /** The NetworkPolicy of the database members. */
  public get databaseNetworkPolicy(): string { return `${this.cluster}-database`; }
  /** The Patroni REST API credentials Secret. */
  public get patroniApiSecret(): string { return this.credentialsSecret('patroni-api'); }

  /** A logical backup schedule's CronJob, ConfigMap and PVC, from the construct id. */
  public logicalBackup(id: string): string {
    return `${this.cluster}-backup-${id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')}`;
  }

  /** The label value that puts a pod in a NetworkPolicy group (`<cluster>-<group>`). */
  public networkGroup(group: NetworkGroup): string {
    return `${this.cluster}-${group}`;
  }

  /** postgres-operator's Secret name pattern, so apps migrating from the operator keep working. */
  public credentialsSecret(user: string): string {
    return `${user.replace(/_/g, '-')}.${this.cluster}.credentials.postgresql.acid.zalan.do`;
  }

  /** The ConfigMaps Patroni creates and updates itself in ConfigMaps mode (never synthesized). */
  public get patroniConfigMaps(): string[] {
    return ['leader', 'config', 'failover', 'sync'].map((s) => `${this.cluster}-${s}`);
  }

  public pod(ordinal: number): string {
    return `${this.cluster}-${ordinal}`;
  }
}
