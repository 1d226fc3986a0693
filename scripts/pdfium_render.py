#!/usr/bin/env python3
"""Render every page of PDFs to PNG with pdfium (pypdfium2), as a peer of diagram-convert.

Usage: pdfium_render.py [--dpi 150] [--color] OUT_DIR FILE.pdf...

Pages are rendered at DPI/72 pixels per point, in 8-bit gray unless --color, onto white,
and written as OUT_DIR/<stem>-<n>.png with Pillow's default PNG settings.
"""
import argparse
import os
import sys

import pypdfium2 as pdfium


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dpi", type=float, default=150.0)
    ap.add_argument("--color", action="store_true")
    ap.add_argument("out_dir")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for path in args.files:
        stem = os.path.splitext(os.path.basename(path))[0]
        pdf = pdfium.PdfDocument(path)
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                bitmap = page.render(scale=args.dpi / 72.0, grayscale=not args.color)
                image = bitmap.to_pil()
                if not args.color:
                    image = image.convert("L")
                image.save(os.path.join(args.out_dir, f"{stem}-{i + 1}.png"))
                page.close()
        finally:
            pdf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
