"""Hostile PDFs written by hand: each a small file that makes a renderer ask for far more
than a page should (the Rust generators in crates/raster/tests/common/hostile.rs make the
same classes)."""

import zlib


def pdf(page_dict: bytes, content: bytes, extra: list = ()) -> bytes:
    """A one-page PDF: ``page_dict`` is the page's dictionary body (without Contents),
    ``extra`` more objects numbered from 5."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R " + page_dict + b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *extra,
    ]
    out = b"%PDF-1.5\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def huge_page(points: int = 14400) -> bytes:
    """The largest page PDF allows (200 in a side): at 150 DPI a 30000 px square, which
    the engine scales down to its 100-megapixel limit, a 400 MB RGBA pixmap. Under a
    256 MiB memory limit that allocation fails, which aborts a Rust process."""
    return pdf(b"/MediaBox [0 0 %d %d] /Resources << >>" % (points, points), b"0 g 10 10 100 100 re f")


def predictor_content(columns: int = 1 << 31, colors: int = 3) -> bytes:
    """A content stream behind Flate with a PNG predictor whose rows are ``columns``
    pixels of ``colors`` components: the row size overflows or asks for gigabytes."""
    data = zlib.compress(b"\x00" + b"0 g 0 0 10 10 re f" * 4)
    body = b"<< /Length %d /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns %d /Colors %d >> >>\nstream\n" % (
        len(data), columns, colors)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << >> /Contents 4 0 R >>",
        body + data + b"\nendstream",
    ]
    out = b"%PDF-1.5\n"
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return out
