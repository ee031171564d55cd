"""The per-file work of the seed's scripts/download_hpav18.py (seed-spec §2.9) without the network, for
`npm run bench:convert`: each JPEG in --src opened with PIL, resized with Image.LANCZOS, converted to 'L' and
saved as PNG in --dest, one at a time (one core; the seed ran 24 such processes). Prints one JSON line
{"seconds": s, "files": n}.
"""
import argparse, io, json, os, time
from PIL import Image


def main():
    a = argparse.ArgumentParser()
    a.add_argument('--src', required=True)
    a.add_argument('--dest', required=True)
    a.add_argument('--size', type=int, default=512)
    args = a.parse_args()
    names = sorted(n for n in os.listdir(args.src) if n.endswith('.jpg'))
    blobs = [open(os.path.join(args.src, n), 'rb').read() for n in names]
    t0 = time.perf_counter()
    for n, b in zip(names, blobs):
        im = Image.open(io.BytesIO(b)).resize((args.size, args.size), Image.LANCZOS).convert('L')
        im.save(os.path.join(args.dest, n[:-4] + '.png'))
    print(json.dumps({'seconds': time.perf_counter() - t0, 'files': len(names)}))


if __name__ == '__main__':
    main()
