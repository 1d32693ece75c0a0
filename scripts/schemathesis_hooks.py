"""A schemathesis check for this API's error contract.

Schemathesis's own GraphQL check counts every error with `data: null` as a server error, but a
refused input (BAD_USER_INPUT, NOT_FOUND, CONFLICT) is the contract working. What must never
happen: an HTTP 5xx, an error without a contract code, or an INTERNAL error.
"""

import schemathesis

CODES = {"BAD_USER_INPUT", "NOT_FOUND", "CONFLICT", "FORBIDDEN", "UNAUTHENTICATED"}


@schemathesis.check
def register_contract_errors(ctx, response, case):
    assert response.status_code < 500, f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return None
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES, f"error without a contract code (or INTERNAL): {error}"
    return None
