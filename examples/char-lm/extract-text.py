# How pride-and-prejudice.txt was made (run once by hand; the example only reads the text file).
#
#   apt-get download r-cran-janeaustenr          # Debian's package of the R data package janeaustenr 1.0.0
#   dpkg-deb -x r-cran-janeaustenr_1.0.0-1_all.deb pkg
#   python3 examples/char-lm/extract-text.py pkg/usr/lib/R/site-library/janeaustenr/data/Rdata > examples/char-lm/pride-and-prejudice.txt
#
# The package keeps each novel as an R character vector (one element per printed line) in R's
# lazy-load database: Rdata.rdx is the index (gzip or zlib-compressed R serialization of a named
# list of [offset, length] pairs) and Rdata.rdb holds the objects, each a 4-byte length and the
# compressed serialization (zlib, or a 1-byte tag naming bzip2 or xz first). This reads just
# enough of R's XDR serialization format to get one character vector out, and prints its lines
# joined by "\n".
import bz2
import gzip
import lzma
import struct
import sys
import zlib

NIL, SYMBOL, PAIRLIST, CHARS, LOGICALS, INTEGERS, DOUBLES, STRINGS, LIST, PERSIST, REFERENCE = 254, 1, 2, 9, 10, 13, 14, 16, 19, 247, 255


class Reader:
    def __init__(self, data: bytes):
        assert data[:2] == b"X\n", "not an XDR serialization"
        self.data, self.at, self.refs = data, 2, []
        version = self.int()
        self.int(), self.int()  # the writer's R version and the oldest that reads it
        if version == 3:
            n = self.int()  # the native encoding's name, skipped
            self.at += n

    def int(self) -> int:
        (v,) = struct.unpack_from(">i", self.data, self.at)
        self.at += 4
        return v

    def item(self):
        flags = self.int()
        kind, has_attributes, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind == NIL:
            return None
        if kind == REFERENCE:
            return self.refs[(flags >> 8) - 1]
        if kind == SYMBOL:
            value = ("symbol", self.item())
            self.refs.append(value)
            return value
        if kind == PERSIST:
            self.int()
            value = ("persist", [self.item() for _ in range(self.int())])
            self.refs.append(value)
            return value
        if kind == CHARS:
            n = self.int()
            if n < 0:
                return None
            text = self.data[self.at:self.at + n].decode("utf-8")
            self.at += n
            return text
        if kind == PAIRLIST:
            attributes = self.item() if has_attributes else None
            tag = self.item() if has_tag else None
            return ("pair", tag, self.item(), self.item(), attributes)
        n = self.int()
        if kind in (STRINGS, LIST):
            value = [self.item() for _ in range(n)]
        elif kind in (LOGICALS, INTEGERS):
            value = [self.int() for _ in range(n)]
        elif kind == DOUBLES:
            value = list(struct.unpack_from(f">{n}d", self.data, self.at))
            self.at += 8 * n
        else:
            raise ValueError(f"unsupported R type {kind} at byte {self.at}")
        return ("attributes", value, self.item()) if has_attributes else value


def decompress_index(raw: bytes) -> bytes:
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else zlib.decompress(raw[4:])


def decompress_object(raw: bytes, compressed: int) -> bytes:
    if compressed == 1:  # zlib, with no tag
        return zlib.decompress(raw[4:])
    tag, body = raw[4:5], raw[5:]
    return {b"Z": zlib.decompress, b"2": bz2.decompress, b"X": lzma.decompress, b"0": lambda b: b}[tag](body)


def main(base: str, name: str = "prideprejudice") -> None:
    with open(base + ".rdx", "rb") as f:
        index = Reader(decompress_index(f.read())).item()
    # index: a named list (variables, references, compressed); variables: a named list of [offset, length]
    _, (variables, _references, [compressed]), _ = index
    _, places, (_, _, names, _, _) = variables
    offset, length = places[names.index(name)]
    with open(base + ".rdb", "rb") as f:
        f.seek(offset)
        lines = Reader(decompress_object(f.read(length), compressed)).item()
    sys.stdout.write("\n".join(line or "" for line in lines) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
