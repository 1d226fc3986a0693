"""Hostile PDFs written by hand: each a small file that makes a renderer ask for far more
than a page should (the Rust generators in crates/raster/tests/common/hostile.rs make the
same classes)."""

import zlib


def pdf(page_dict: bytes, content: bytes, extra: list = ()) -> bytes:
    """A one-page PDF: ``page_dict`` is the page's dictionary body (without Contents),
    ``extra`` more objects numbered from 5."""
    stream = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    return assemble(page_dict, stream, extra)


def assemble(page_dict: bytes, contents: bytes, extra: list = ()) -> bytes:
    """A one-page PDF from the page's dictionary body (without Contents), its content
    stream object ``contents`` (object 4) and ``extra`` objects numbered from 5, with its
    cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R " + page_dict + b" /Contents 4 0 R >>",
        contents,
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


def huge_page(side: int = 10000) -> bytes:
    """A page that needs 300 MB buffers: one RGB image of 10000 x 10000 pixels, whose
    decoded samples (and hayro's RGBA copy of them, 400 MB) are within the engine's
    512 MiB budget per buffer, so they are allocated; the file is 300 KB (the samples
    are zeros, compressed). Under a 256 MiB memory limit the allocation fails, which
    aborts a Rust process. (A huge media box no longer does: pages are rasterized in
    bands and their rows streamed into the PNG, so no page-sized buffer is held.)"""
    data = zlib.compress(bytes(side * side * 3), 9)
    image = b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (
        side, side, len(data)) + data + b"\nendstream"
    return pdf(b"/MediaBox [0 0 200 200] /Resources << /XObject << /Im0 5 0 R >> >>",
               b"q 200 0 0 200 0 0 cm /Im0 Do Q", [image])


def predictor_content(columns: int = 1 << 31, colors: int = 3) -> bytes:
    """A content stream behind Flate with a PNG predictor whose rows are ``columns``
    pixels of ``colors`` components: the row size overflows or asks for gigabytes."""
    data = zlib.compress(b"\x00" + b"0 g 0 0 10 10 re f" * 4)
    body = b"<< /Length %d /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns %d /Colors %d >> >>\nstream\n" % (
        len(data), columns, colors)
    return assemble(b"/MediaBox [0 0 200 200] /Resources << >>", body + data + b"\nendstream")
