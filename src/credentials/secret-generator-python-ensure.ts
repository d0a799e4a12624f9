// Part of the secret generator's Python source (secret-generator-python.ts): what happens to one Secret.
/*
 * String.raw keeps Python backslashes as written; the source must contain no backtick and no
 * dollar-brace.
 */
export const ENSURE_SECRET_SOURCE: string = String.raw`def recorded_rotation(secret):
    """The rotation a Secret records in its annotation (0 when missing or not a number)."""
    raw = ((secret.get("metadata") or {}).get("annotations") or {}).get(ROTATION_ANNOTATION, "0")
    try:
        return max(int(raw), 0)
    except (TypeError, ValueError):
        return 0


def guarded_patch(client, item, what, secret, patch, hidden):
    """A merge PATCH that carries the Secret's resourceVersion; returns the new Secret, or None on 409 Conflict.

    Naming the resourceVersion makes the PATCH fail with 409 if anyone wrote in between.
    """
    patch.setdefault("metadata", {})["resourceVersion"] = secret["metadata"]["resourceVersion"]
    status, reason, body = client.call(
        "PATCH", "%s?fieldManager=%s" % (item, FIELD_MANAGER), what, body=patch, hidden=hidden,
        content_type="application/merge-patch+json",
    )
    if status == 200:
        return json.loads(body.decode("utf-8"))
    if status == 409:
        return None
    raise ApiError("PATCH %s: %s" % (item, api_message(status, reason, body, hidden)))


def rotate_secret(client, item, what, spec, secret):
    """Replaces the password of an existing Secret whose recorded rotation is below the spec's."""
    password = new_password()
    hidden = (password, b64(password))
    patch = {"metadata": {"annotations": {ROTATION_ANNOTATION: str(spec["rotation"])}}, "data": {"password": b64(password)}}
    patched = guarded_patch(client, item, what, secret, patch, hidden)
    del patch, password, hidden
    if patched is not None:
        return "%s: password rotated for role %r (rotation %d)" % (what, spec["username"], spec["rotation"])
    status, reason, body = client.call("GET", item, what)
    if status == 200 and recorded_rotation(json.loads(body.decode("utf-8"))) >= spec["rotation"]:
        return "%s: rotated concurrently by another run (409 on patch), left untouched" % what
    raise ApiError("PATCH %s answered 409 and the secret does not record rotation %d" % (item, spec["rotation"]))


def ensure_secret(client, namespace, spec, wait=True):
    """Makes sure the Secret exists (and records the spec's rotation); returns a log line; raises ApiError."""
    name = spec["name"]
    what = "secret %r in namespace %r" % (name, namespace)
    collection = "/api/v1/namespaces/%s/secrets" % quote(namespace, safe="")
    item = "%s/%s" % (collection, quote(name, safe=""))

    status, reason, body = client.call("GET", item, what)
    if status == 200:
        existing = json.loads(body.decode("utf-8"))
        if spec["alternatingUsers"]:
            return ensure_alternating(client, item, what, spec, existing, wait)
        if recorded_rotation(existing) < spec["rotation"]:
            return rotate_secret(client, item, what, spec, existing)
        return "%s: exists, left untouched" % what
    if status != 404 or not is_status(body, "NotFound"):
        raise ApiError("GET %s: %s" % (item, api_message(status, reason, body, ())))

    password = new_password()
    data = {"username": b64(spec["username"]), "password": b64(password)}
    hidden = (password, b64(password))
    if spec["alternatingUsers"]:
        # Both logins get a password; the first is active.
        logins = alternating_logins(spec)
        passwords = {logins[0]: password, logins[1]: new_password()}
        data = alternating_data(spec, logins[0], passwords)
        hidden = tuple(passwords.values()) + tuple(b64(p) for p in passwords.values())
        del passwords
    metadata = {"name": name, "namespace": namespace}
    if spec["labels"]:
        metadata["labels"] = spec["labels"]
    annotations = dict(spec["annotations"])
    if spec["rotation"]:
        annotations[ROTATION_ANNOTATION] = str(spec["rotation"])
    if annotations:
        metadata["annotations"] = annotations
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": "Opaque",
        "data": data,
    }
    create = "%s?fieldManager=%s" % (collection, FIELD_MANAGER)
    status, reason, body = client.call("POST", create, what, body=secret, hidden=hidden)
    del secret, password, data
    if status in (200, 201, 202):
        return "%s: created with a new password for role %r" % (what, spec["username"])
    if status != 409:
        raise ApiError("POST %s: %s" % (collection, api_message(status, reason, body, hidden)))

    # 409: another run created it between our GET and our POST. Keep theirs; confirm it is there.
    status, reason, body = client.call("GET", item, what)
    if status == 200:
        return "%s: already created concurrently by another run (409 on create), left untouched" % what
    raise ApiError(
        "POST %s answered 409 but the secret cannot be read back: GET %s: %s"
        % (collection, item, api_message(status, reason, body, ()))
    )


`;
