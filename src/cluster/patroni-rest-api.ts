import { k8s } from 'cdk8s-plus-27';
import { ClusterNames } from '../private/names';

/** Where the Patroni REST API credentials are (a Secret with a user name and a password key). */
export interface PatroniRestApiCredentials {
  /** Name of the Secret. */
  readonly secretName: string;
  /**
   * Key of the user name.
   * @default "username"
   */
  readonly usernameKey?: string;
  /**
   * Key of the password.
   * @default "password"
   */
  readonly passwordKey?: string;
}

const SENTINEL = (name: string) => `@@pgaas-env:${name}@@`;

/**
 * Basic authentication of the Patroni REST API's unsafe endpoints (POST/PUT/PATCH/DELETE: switchover,
 * failover, restart, reinitialize, reload, config), without a password in the manifest.
 *
 * Spilo offers no variable for `restapi.authentication` (its template renders only listen,
 * connect_address and the TLS files), and its runit script clears every `PATRONI_*` variable before
 * starting Patroni. What does reach Patroni is SPILO_CONFIGURATION, which Spilo merges over its own
 * configuration. The kubelet expands `$(NAME)` in an env value from variables defined earlier in the
 * same container, secretKeyRef ones included, when it starts the container. So the credentials come
 * from a Secret as PATRONI_RESTAPI_USERNAME/PASSWORD (the names Patroni and the preStop hook read), and
 * SPILO_CONFIGURATION refers to them; the Pod spec keeps the reference, only the container sees values.
 *
 * Every other `$` in SPILO_CONFIGURATION is written as `$$`, which the kubelet turns back into `$`, so
 * nothing else in the configuration can be expanded by accident.
 *
 * Patroni sends the same credentials when it calls the other members (failsafe, leader race:
 * PatroniRequest uses `restapi.auth`), and patronictl inside the container reads them from the
 * configuration file. GET endpoints (probes, /cluster, /config) stay open, as Patroni designs them.
 */
export class PatroniRestApi {
  /** Variable holding the user name (Patroni's own name; the preStop hook reads it). */
  public static readonly USERNAME_ENV = 'PATRONI_RESTAPI_USERNAME';
  /** Variable holding the password. */
  public static readonly PASSWORD_ENV = 'PATRONI_RESTAPI_PASSWORD';
  /** The API user name stored in a generated Secret. */
  public static readonly DEFAULT_USERNAME = 'patroni';

  /** postgres-operator's Secret name pattern, for the generated credentials: `patroni-api.<cluster>.credentials.postgresql.acid.zalan.do`. */
  public static secretName(clusterName: string): string {
    return new ClusterNames(clusterName).credentialsSecret('patroni-api');
  }

  /** The two variables, from the Secret. They must come before SPILO_CONFIGURATION in the container's env. */
  public static env(credentials: PatroniRestApiCredentials): k8s.EnvVar[] {
    const ref = (key: string): k8s.EnvVarSource => ({ secretKeyRef: { name: credentials.secretName, key } });
    return [
      { name: PatroniRestApi.USERNAME_ENV, valueFrom: ref(credentials.usernameKey ?? 'username') },
      { name: PatroniRestApi.PASSWORD_ENV, valueFrom: ref(credentials.passwordKey ?? 'password') },
    ];
  }

  /**
   * The SPILO_CONFIGURATION value: `configuration` (any JSON object) as indented JSON, with
   * `restapi.authentication` added when `authenticate` is true, referring to the variables of
   * {@link env}, and every other `$` escaped for the kubelet.
   *
   * The password is inserted into a JSON string by the kubelet: it must not contain `"`, `\` or
   * control characters. Generated passwords are alphanumeric; check a Secret you bring yourself.
   */
  public static spiloConfiguration(configuration: any, authenticate: boolean): string {
    const config = JSON.parse(JSON.stringify(configuration ?? {}));
    if (authenticate) {
      if (config.restapi?.authentication) throw new Error('PatroniRestApi: the configuration already sets restapi.authentication');
      config.restapi = {
        ...config.restapi,
        authentication: { username: SENTINEL(PatroniRestApi.USERNAME_ENV), password: SENTINEL(PatroniRestApi.PASSWORD_ENV) },
      };
    }
    let text = JSON.stringify(config, undefined, 2).replace(/\$/g, '$$$$');
    for (const name of [PatroniRestApi.USERNAME_ENV, PatroniRestApi.PASSWORD_ENV]) text = text.split(SENTINEL(name)).join(`$(${name})`);
    return text;
  }

  private constructor() {}
}
