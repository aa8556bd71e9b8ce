#!/usr/bin/python3
"""PASSporTs made and checked by an independent implementation (PyJWT, the
Debian package python3-jwt, on python3-cryptography) for sipnic's STIR/SHAKEN
tests (tests/unit/stir). Not sipnic code: the tests run it to show that
sipnic reads what another signer writes and writes what another verifier
reads.

  sign   --key PEM --x5u URL --orig TN --dest TN --attest A|B|C --origid ID --iat N
         [--tamper-dest TN]
      prints an Identity header value: TOKEN;info=<URL>;alg=ES256;ppt=shaken.
      --tamper-dest replaces dest.tn in the payload after signing (the
      signature is kept), as an attacker on the path would.
  verify --cert PEM --identity VALUE
      verifies the token of an Identity header value with the certificate's
      public key (ES256) and prints one JSON object: the JOSE header, the
      claims, and whether both parts are in RFC 8225 section 9 canonical form
      (members sorted, no whitespace). Exit 1 if the signature is bad.
"""
import argparse
import base64
import json
import sys

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def b64url_decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def sign(args):
    with open(args.key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    # Claims in an order of their own (not sorted): a verifier must check the
    # bytes it got, not a re-encoding.
    payload = {
        "orig": {"tn": args.orig},
        "dest": {"tn": args.dest},
        "iat": args.iat,
        "attest": args.attest,
        "origid": args.origid,
    }
    token = jwt.encode(payload, key, algorithm="ES256",
                       headers={"ppt": "shaken", "typ": "passport", "x5u": args.x5u})
    if args.tamper_dest:
        head, body, sig = token.split(".")
        claims = json.loads(b64url_decode(body))
        claims["dest"] = {"tn": [args.tamper_dest]}
        token = ".".join([head, b64url_encode(json.dumps(claims, separators=(",", ":")).encode()), sig])
    print(f"{token};info=<{args.x5u}>;alg=ES256;ppt=shaken")


def verify(args):
    with open(args.cert, "rb") as f:
        public_key = x509.load_pem_x509_certificate(f.read()).public_key()
    token = args.identity.split(";", 1)[0]
    try:
        claims = jwt.decode(token, public_key, algorithms=["ES256"],
                            options={"verify_exp": False, "verify_iat": False})
    except jwt.InvalidTokenError as e:
        print(f"stir_passport_tool: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    head, body, _ = token.split(".")
    header = json.loads(b64url_decode(head))
    print(json.dumps({
        "header": header,
        "claims": claims,
        "canonical": b64url_decode(head) == canonical(header) and b64url_decode(body) == canonical(claims),
    }, sort_keys=True))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sign")
    s.add_argument("--key", required=True)
    s.add_argument("--x5u", required=True)
    s.add_argument("--orig", required=True)
    s.add_argument("--dest", required=True, action="append")
    s.add_argument("--attest", required=True)
    s.add_argument("--origid", required=True)
    s.add_argument("--iat", required=True, type=int)
    s.add_argument("--tamper-dest")
    v = sub.add_parser("verify")
    v.add_argument("--cert", required=True)
    v.add_argument("--identity", required=True)
    args = parser.parse_args()
    if args.command == "sign":
        sign(args)
        return 0
    return verify(args)


if __name__ == "__main__":
    sys.exit(main())
