// Part of the secret generator's Python source (secret-generator-python.ts): Secrets with alternating users.
/*
 * String.raw keeps Python backslashes as written; the source must contain no backtick and no
 * dollar-brace.
 */
export const ALTERNATING_SOURCE: string = String.raw`PENDING_ANNOTATION = "cdk8s-pgaas/rotation-pending"
ALTERNATING_SUFFIXES = ("a", "b")


class PendingLogin(Exception):
    """The inactive login has its new password in the Secret, and PostgreSQL does not accept it yet."""


def alternating_logins(spec):
    """The two login roles of an alternating-users Secret: <role>_a and <role>_b."""
    return tuple("%s_%s" % (spec["username"], suffix) for suffix in ALTERNATING_SUFFIXES)


def alternating_data(spec, active, passwords):
    """The data of an alternating-users Secret: each login's pair, and the active one under username/password."""
    data = {"username": b64(active), "password": b64(passwords[active])}
    for suffix, login in zip(ALTERNATING_SUFFIXES, alternating_logins(spec)):
        data["username-" + suffix] = b64(login)
        data["password-" + suffix] = b64(passwords[login])
    return data


def decoded(secret):
    out = {}
    for key, value in ((secret.get("data") or {}).items()):
        try:
            out[key] = base64.b64decode(value).decode("utf-8")
        except (ValueError, TypeError):
            out[key] = ""
    return out


def accepts_login(check, user, password):
    """Whether PostgreSQL at the check's address accepts this login (psql over TLS; the password only in its environment)."""
    env = dict(os.environ)
    env.update({
        "PGHOST": check["host"], "PGPORT": str(check["port"]), "PGUSER": user, "PGPASSWORD": password,
        "PGDATABASE": "postgres", "PGSSLMODE": os.environ.get("PGAAS_LOGIN_SSLMODE", "").strip() or "require",
        "PGCONNECT_TIMEOUT": "5",
    })
    try:
        result = subprocess.run(
            [os.environ.get("PGAAS_PSQL", "").strip() or "psql", "-X", "-w", "-q", "-A", "-t", "-c", "SELECT 1"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and result.stdout.strip() == "1"


def wait_for_login(check, user, password, what):
    """Waits until PostgreSQL accepts the login (the password sync sets it once the kubelet refreshed its volume)."""
    limit = env_number("PGAAS_LOGIN_WAIT_SECONDS", 300.0, 0)
    started = time.monotonic()
    while not accepts_login(check, user, password):
        if time.monotonic() - started >= limit:
            raise ApiError(
                "PostgreSQL at %s:%s did not accept the new password of login %r within %gs (is passwordSync"
                " running?): the Secret still holds the previous pair; the next run continues"
                % (check["host"], check["port"], user, limit)
            )
        time.sleep(2)
    log("%s: PostgreSQL accepts login %r with its new password after %.1fs" % (what, user, time.monotonic() - started))


def ensure_alternating(client, item, what, spec, secret, wait=True):
    """Brings an existing alternating-users Secret to the spec's rotation; returns a log line; raises ApiError.

    A rotation gives the inactive login a new password (PATCH 1, with the rotation-pending annotation),
    waits until PostgreSQL accepts it, and only then switches username and password to it (PATCH 2). Both
    PATCHes carry the resourceVersion: after a 409 the Secret is read again and the work resumes from what
    it holds, so concurrent or interrupted runs rotate once. The previously active login keeps its password.
    Without wait, a login PostgreSQL does not accept yet raises PendingLogin (main comes back to it after the
    other Secrets, so that the sync's volumes of several Secrets refresh in the same kubelet cycle).
    """
    logins = alternating_logins(spec)
    for _ in range(6):
        data = decoded(secret)
        annotations = (secret.get("metadata") or {}).get("annotations") or {}
        active = data.get("username")
        passwords = dict((login, data.get("password-" + s, "")) for s, login in zip(ALTERNATING_SUFFIXES, logins))
        if active not in logins or not all(passwords.values()) or data.get("password") != passwords[active]:
            # A single-user Secret (or a damaged one): the first login takes over the current password, so
            # PostgreSQL's next bootstrap creates it with the password clients already hold.
            current = data.get("password") or new_password()
            passwords = {logins[0]: current, logins[1]: new_password()}
            hidden = tuple(passwords.values()) + tuple(b64(p) for p in passwords.values())
            secret = guarded_patch(client, item, what, secret, {"data": alternating_data(spec, logins[0], passwords)}, hidden)
            if secret is not None:
                log("%s: converted to alternating users, active login %r" % (what, logins[0]))
            else:
                status, reason, body = client.call("GET", item, what)
                secret = json.loads(body.decode("utf-8"))
            continue
        if recorded_rotation(secret) >= spec["rotation"]:
            return "%s: exists, left untouched (active login %r)" % (what, active)
        inactive = logins[1] if active == logins[0] else logins[0]
        suffix = ALTERNATING_SUFFIXES[logins.index(inactive)]
        if annotations.get(PENDING_ANNOTATION) != str(spec["rotation"]):
            password = new_password()
            hidden = (password, b64(password))
            patch = {
                "metadata": {"annotations": {PENDING_ANNOTATION: str(spec["rotation"])}},
                "data": {"password-" + suffix: b64(password)},
            }
            updated = guarded_patch(client, item, what, secret, patch, hidden)
            del patch, password
            if updated is None:
                status, reason, body = client.call("GET", item, what)
                secret = json.loads(body.decode("utf-8"))
                continue
            log("%s: new password for the inactive login %r (rotation %d pending)" % (what, inactive, spec["rotation"]))
            secret = updated
            passwords[inactive] = decoded(secret)["password-" + suffix]
        if not wait and not accepts_login(spec["alternatingUsers"], inactive, passwords[inactive]):
            raise PendingLogin()
        wait_for_login(spec["alternatingUsers"], inactive, passwords[inactive], what)
        hidden = (passwords[inactive], b64(passwords[inactive]))
        patch = {
            "metadata": {"annotations": {ROTATION_ANNOTATION: str(spec["rotation"]), PENDING_ANNOTATION: None}},
            "data": {"username": b64(inactive), "password": b64(passwords[inactive])},
        }
        updated = guarded_patch(client, item, what, secret, patch, hidden)
        if updated is not None:
            return "%s: switched to login %r (rotation %d); %r keeps its password until the next rotation" % (
                what, inactive, spec["rotation"], active)
        status, reason, body = client.call("GET", item, what)
        secret = json.loads(body.decode("utf-8"))
    raise ApiError("%s: kept changing under concurrent writers (6 attempts)" % what)


`;
