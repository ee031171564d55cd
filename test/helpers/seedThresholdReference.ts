/**
 * seed-spec §8 and §11 written literally in numpy (the seed's FBetaScore, Accuracy, MetricList.__str__ and
 * utils/threshold.py), as a Python prelude for tests. Argv: N, C, logits.bin (float32), targets.bin (uint8).
 * Defines `probs`, `targets`, `macro_f1(th)`, `search()` → (single, class list, ties info), `metric_list_str(th)`.
 */
export const SEED_THRESHOLD_PY = String.raw`
import sys, json
import numpy as np
n, C = int(sys.argv[1]), int(sys.argv[2])
logits = np.fromfile(sys.argv[3], dtype=np.float32).reshape(n, C)
targets = np.fromfile(sys.argv[4], dtype=np.uint8).reshape(n, C).astype(np.float32)
# torch: sigmoid in float32; threshold cast to the logits' dtype; predicted = sigmoid > threshold
probs = (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)

def predict(threshold):
    return probs > np.asarray(threshold, dtype=np.float32)

def f1_parts(predicted, labels=None):
    tp = np.sum(targets * predicted, axis=0)
    fn = np.sum(targets, axis=0) - tp
    fp = np.sum(predicted, axis=0) - tp
    if labels is not None:
        tp, fn, fp = tp[labels], fn[labels], fp[labels]
    beta_sq = 1 * 1
    return np.mean((1 + beta_sq) * tp / ((1 + beta_sq) * tp + beta_sq * fn + fp + 1e-8))

def macro_f1(threshold):
    return f1_parts(predict(threshold))

NAMES = ["Nucleoplasm", "Nuclear membrane", "Nucleoli", "Nucleoli fibrillar center", "Nuclear speckles",
         "Nuclear bodies", "Endoplasmic reticulum", "Golgi apparatus", "Peroxisomes", "Endosomes", "Lysosomes",
         "Intermediate filaments", "Actin filaments", "Focal adhesion sites", "Microtubules", "Microtubule ends",
         "Cytokinetic bridge", "Mitotic spindle", "Microtubule organizing center", "Centrosome", "Lipid droplets",
         "Plasma membrane", "Cell junctions", "Mitochondria", "Aggresome", "Cytosol", "Cytoplasmic bodies",
         "Rods & rings"]

def metric_list_str(threshold):
    predicted = predict(threshold)
    values = [("f1_macro", f1_parts(predicted))]
    for c in range(C):
        values.append(("f1_" + NAMES[c], f1_parts(predicted, labels=c)))
    p, t = predicted.flatten(), targets.flatten()
    values.append(("acc", np.sum(p == t) / (len(t) + 1e-6)))
    return str([(name, round(v, 4)) for name, v in values])

thresholds = np.linspace(0.2, 0.8, 1000)

def scan(score):
    best, ties = None, []
    for idx, th in enumerate(thresholds):
        v = score(th)
        if idx == 0 or v > best:
            best, ties = v, [th]
        elif v == best:
            ties.append(th)
    return np.median(ties), best, len(ties)

def search():
    single, single_score, single_ties = scan(macro_f1)
    best = np.zeros((C,))
    ties_per_class = []
    for c in range(C):
        cur = best.copy()
        def score(th):
            cur[c] = th
            return macro_f1(cur)
        m, _, k = scan(score)
        best[c] = m
        ties_per_class.append(k)
    return single, float(single_score), single_ties, best.tolist(), ties_per_class
`;
