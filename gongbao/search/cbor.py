"""The subset of CBOR (RFC 8949) that Pagefind's index files are written in."""

from __future__ import annotations

from typing import Any

# What Pagefind's minicbor output uses: unsigned and negative integers, text strings and
# definite-length arrays, each head in its shortest form (so that decoding and encoding again
# gives the same bytes, which is how pagefind.py checks that it knows a file's format).


def decode(data: bytes) -> object:
    value, end = _item(data, 0)
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes after the CBOR value")
    return value


def read_head(data: bytes, i: int) -> tuple[int, int, int]:
    """The major type and argument of the head at i, and where the head ends."""
    head = data[i]
    major, info = head >> 5, head & 31
    if info < 24:
        return major, info, i + 1
    if info > 27:
        raise ValueError(f"unsupported CBOR head 0x{head:02x}")
    size = 1 << (info - 24)
    return major, int.from_bytes(data[i + 1:i + 1 + size], "big"), i + 1 + size


def head_length(arg: Any) -> Any:
    """The length of the shortest head with argument `arg`: an int, or a numpy array of them (elementwise)."""
    return 1 + (arg >= 24) + (arg >= 256) + 2 * (arg >= 65536) + 4 * (arg >= 2 ** 32)


def _item(data: bytes, i: int) -> tuple[object, int]:
    major, arg, i = read_head(data, i)
    if major == 0:
        return arg, i
    if major == 1:
        return -1 - arg, i
    if major == 3:
        return data[i:i + arg].decode("utf-8"), i + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, i = _item(data, i)
            items.append(item)
        return items, i
    raise ValueError(f"unsupported CBOR major type {major}")


def encode(value: object) -> bytes:
    out = bytearray()
    _put(value, out)
    return bytes(out)


def write_head(major: int, arg: int, out: bytearray) -> None:
    """Append the head of major type `major` with argument `arg`, in its shortest form."""
    if arg < 24:
        out.append(major << 5 | arg)
    else:
        size = 1 if arg < 1 << 8 else 2 if arg < 1 << 16 else 4 if arg < 1 << 32 else 8
        out.append(major << 5 | (24 + size.bit_length() - 1))
        out += arg.to_bytes(size, "big")


def _put(value: object, out: bytearray) -> None:
    if isinstance(value, bool):
        raise ValueError("booleans are not expected in Pagefind's index")
    if isinstance(value, int):
        write_head(0, value, out) if value >= 0 else write_head(1, -1 - value, out)
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        write_head(3, len(raw), out)
        out += raw
    elif isinstance(value, list):
        write_head(4, len(value), out)
        for item in value:
            _put(item, out)
    else:
        raise ValueError(f"cannot encode {type(value).__name__}")
