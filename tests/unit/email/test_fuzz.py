"""Broken MIME never makes ``parse_email`` raise, nor fall into its last-resort handler."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.email import parse_email

CORPUS = [
    p.read_bytes() for p in sorted((Path(__file__).parents[2] / "data" / "eml").glob("*.eml"))
]
CTYPES = [
    "text/plain",
    "text/html",
    "multipart/mixed",
    "multipart/alternative",
    "multipart/report; report-type=delivery-status",
    "message/rfc822",
    "message/delivery-status",
    "application/octet-stream",
    "multipart/related",
    "garbage",
]
CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "x-mac-cyrillic", "nonsense", "", "utf-7"]
ENCODINGS = ["base64", "quoted-printable", "8bit", "x-uuencode", "bogus", ""]

header_value = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@st.composite
def mime_part(draw: st.DrawFn, depth: int = 0) -> str:
    ctype = draw(st.sampled_from(CTYPES))
    boundary = draw(st.sampled_from(["b", "b1", "--", "=_x", ""]))
    head = (
        f"Content-Type: {ctype}; charset={draw(st.sampled_from(CHARSETS))}; "
        f'boundary="{boundary}"\r\n'
        f"Content-Transfer-Encoding: {draw(st.sampled_from(ENCODINGS))}\r\n"
    )
    if draw(st.booleans()):
        head += f'Content-Disposition: attachment; filename="{draw(header_value)}"\r\n'
    if ctype.startswith("multipart") and depth < 3:
        children = draw(st.lists(mime_part(depth + 1), max_size=3))
        body = "".join(f"--{boundary}\r\n{c}\r\n" for c in children)
        if draw(st.booleans()):
            body += f"--{boundary}--\r\n"
    else:
        body = draw(st.text(max_size=200))
    return f"{head}\r\n{body}"


@st.composite
def broken_mail(draw: st.DrawFn) -> bytes:
    headers = "".join(
        f"{name}: {draw(header_value)}\r\n"
        for name in draw(
            st.lists(
                st.sampled_from(
                    [
                        "From",
                        "To",
                        "Subject",
                        "Message-ID",
                        "References",
                        "In-Reply-To",
                        "Date",
                        "Auto-Submitted",
                        "Precedence",
                        "Reply-To",
                        "Content-ID",
                    ]
                ),
                max_size=8,
            )
        )
    )
    text = headers + "MIME-Version: 1.0\r\n" + draw(mime_part())
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):  # raw 8-bit garbage somewhere
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + draw(st.binary(max_size=40)) + data[pos:]
    return data


def check(raw: bytes) -> None:
    parsed = parse_email(raw, channel_id=1)
    assert not (parsed.set_aside or "").startswith("parser error"), parsed.set_aside
    if parsed.inbound is not None:
        parsed.inbound.text.encode("utf-8")
        (parsed.inbound.subject or "").encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_mail())
def test_generated_broken_mime(raw: bytes) -> None:
    check(raw)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CORPUS), st.data())
def test_mutated_real_mail(original: bytes, data: st.DataObject) -> None:
    raw = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        if not raw:
            break
        pos = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del raw[pos : pos + data.draw(st.integers(1, 200))]
        else:
            raw[pos:pos] = data.draw(
                st.sampled_from(
                    [
                        b"\r\n--",
                        b"=?utf-8?b?",
                        b"\r\nContent-Type: multipart/mixed; boundary=x\r\n",
                        b"\x00",
                        b"\xff\xfe",
                        b"<",
                        b">",
                    ]
                )
            )
    check(bytes(raw))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(raw: bytes) -> None:
    check(raw)


def test_eight_bit_bytes_in_content_transfer_encoding() -> None:
    # Found by the fuzzer above: compat32 returns an email.header.Header for this value.
    check(b"From: a@example.com\r\nMIME-Version: 1.0\r\n"
          b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
          b"Content-Type: text/plain\r\n\r\nhello\r\n--b\r\n"
          b"Content-Type: application/pdf\r\nContent-Disposition: attachment\r\n"
          b"Content-Transfer-Encoding: base64\xff\xfe\r\n\r\naGVsbG8=\r\n--b--\r\n")
