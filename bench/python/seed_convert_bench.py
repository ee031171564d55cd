"""The seed's scripts/kaggle_hpav18_hdf5.py conversion loop (seed-spec §1.4, §2.8) with PIL and h5py, for
`npm run bench:convert`: train.zip (train.csv order) then test.zip (sorted names), each sample's four PNGs decoded
serially with PIL, written in batches of 20 into `images` (N, H, W, 4) uint8, chunks of one image, LZF, plus
fixed-length `names`. Prints one JSON line {"seconds": s, "train": n, "test": m}.
"""
import argparse, csv, io, json, time, zipfile
import h5py, numpy as np
from PIL import Image

COLORS = ('red', 'green', 'blue', 'yellow')


def write(zpath, ids, out, batch):
    with zipfile.ZipFile(zpath) as z, h5py.File(out, 'w') as f:
        images = names = None
        for s in range(0, len(ids), batch):
            part = ids[s:s + batch]
            x = np.stack([np.stack([np.array(Image.open(io.BytesIO(z.read(f'{i}_{c}.png')))) for c in COLORS], -1) for i in part])
            n = np.array([i.encode() for i in part])
            if images is None:
                h, w = x.shape[1:3]
                images = f.create_dataset('images', data=x, maxshape=(None, h, w, 4), chunks=(1, h, w, 4), compression='lzf')
                names = f.create_dataset('names', data=n, maxshape=(None,), chunks=(1,), compression='lzf')
            else:
                images.resize(images.shape[0] + len(part), 0)
                images[-len(part):] = x
                names.resize(names.shape[0] + len(part), 0)
                names[-len(part):] = n
    return len(ids)


def main():
    a = argparse.ArgumentParser()
    a.add_argument('--src', required=True)
    a.add_argument('--dest', required=True)
    a.add_argument('--batch', type=int, default=20)
    args = a.parse_args()
    t0 = time.perf_counter()
    with open(f'{args.src}/train.csv') as f:
        train = [r['Id'] for r in csv.DictReader(f)]
    with zipfile.ZipFile(f'{args.src}/test.zip') as z:
        test = sorted({n.rsplit('_', 1)[0] for n in z.namelist()})
    n_train = write(f'{args.src}/train.zip', train, f'{args.dest}/train.hdf5', args.batch)
    n_test = write(f'{args.src}/test.zip', test, f'{args.dest}/test.hdf5', args.batch)
    print(json.dumps({'seconds': time.perf_counter() - t0, 'train': n_train, 'test': n_test}))


if __name__ == '__main__':
    main()
