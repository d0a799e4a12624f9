// Python helpers shared by the bundle's credential scripts (the secret generator and the password sync), embedded
// in each script's source: exit codes, the configuration error, logging with the script's own LOG_PREFIX (each
// script defines it), and reading files (mounted Secret keys, service account files) and environment settings.
/*
 * String.raw keeps Python backslashes as written; the source must contain no backtick and no
 * dollar-brace. The embedding script imports json and sys.
 */
export const PYTHON_COMMON_SOURCE: string = String.raw`EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


class ConfigError(Exception):
    """The script is misconfigured; nothing was attempted."""


def log(message):
    print(LOG_PREFIX + message, file=sys.stdout, flush=True)


def read_file(path):
    """A file's text as written (a key of a mounted Secret, a service account file)."""
    with open(path, "r", encoding="utf-8") as handle:
        return handle.read()


def read_text(path, what):
    """A file's text without surrounding whitespace; an unreadable file is a ConfigError naming it."""
    try:
        return read_file(path).strip()
    except OSError as error:
        raise ConfigError("cannot read the %s at %s: %s" % (what, path, error.strerror or error))


def env_number(name, default, minimum):
    """A number from the environment variable name (default when unset or empty), at least minimum."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError("%s must be a number, got %r" % (name, raw))
    if value < minimum:
        raise ConfigError("%s must be at least %s, got %r" % (name, minimum, raw))
    return value


def json_list(name, raw):
    """The non-empty JSON list an environment variable holds."""
    if raw is None or not raw.strip():
        raise ConfigError("%s is not set" % name)
    try:
        items = json.loads(raw)
    except ValueError as error:
        raise ConfigError("%s is not valid JSON: %s" % (name, error))
    if not isinstance(items, list) or not items:
        raise ConfigError("%s must be a non-empty JSON list" % name)
    return items
`;
