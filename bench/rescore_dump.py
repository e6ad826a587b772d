#!/usr/bin/env python3
"""Re-scores the arrays written by `betavae score --dump DIR` with numpy and scikit-learn, following
the procedures of google-research/disentanglement_lib (beta_vae.py, factor_vae.py, mig.py and
utils.histogram_discretize), so anyone can check the Java scores against reference code.

    python3 bench/rescore_dump.py DIR            # prints one JSON object with the three scores
    python3 bench/rescore_dump.py DIR --detail   # also the classifier's coefficients and iterations

Needs numpy and scikit-learn (on Debian: apt-get install python3-numpy python3-sklearn).

What each score is, as disentanglement_lib computes it:
- beta_vae_metric: sklearn.linear_model.LogisticRegression() with its defaults (lbfgs, multinomial,
  C = 1, max_iter 100) fitted on the raw training features; accuracy on the eval features.
- factor_vae_metric: votes[factor, dimension] counted from the training rows; each dimension
  predicts its most-voted factor (argmax, ties to the lower factor); accuracy over the eval rows.
- mig: each code dimension binned into 20 equal-width bins between its min and max
  (np.digitize against np.histogram's edges without the last); sklearn's mutual_info_score of each
  binned dimension with each factor; per factor the gap between the two largest, divided by the
  factor's entropy (mutual_info_score of the factor with itself); the mean over factors.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn import linear_model
from sklearn.metrics import mutual_info_score


def load(directory, name):
    return np.load(os.path.join(directory, name))


def beta_vae(directory, detail):
    x_train = load(directory, "beta_vae_train_features.npy")
    y_train = load(directory, "beta_vae_train_labels.npy")
    x_eval = load(directory, "beta_vae_eval_features.npy")
    y_eval = load(directory, "beta_vae_eval_labels.npy")
    model = linear_model.LogisticRegression(random_state=0)
    model.fit(x_train, y_train)
    out = {
        "beta_vae_metric": float(np.mean(model.predict(x_eval) == y_eval)),
        "beta_vae_train_accuracy": float(np.mean(model.predict(x_train) == y_train)),
    }
    if detail:
        out["sklearn_version"] = sklearn.__version__
        out["sklearn_default_n_iter"] = int(model.n_iter_[0])
        # The same objective solved to a tight tolerance: the minimiser the default fit approaches.
        tight = linear_model.LogisticRegression(tol=1e-12, max_iter=100000)
        tight.fit(x_train, y_train)
        out["tight_n_iter"] = int(tight.n_iter_[0])
        out["tight_eval_accuracy"] = float(np.mean(tight.predict(x_eval) == y_eval))
        out["tight_coef"] = tight.coef_.tolist()
        out["tight_intercept"] = tight.intercept_.tolist()
        out["classes"] = tight.classes_.tolist()
    return out


def factor_vae(directory, num_codes, num_factors):
    train = load(directory, "factor_vae_train_votes.npy")
    evals = load(directory, "factor_vae_eval_votes.npy")
    if train.shape[0] == 0:
        return {"factor_vae_metric": 0.0, "factor_vae_train_accuracy": 0.0}

    def tally(rows):
        votes = np.zeros((num_factors, num_codes), dtype=np.int64)
        for dim, factor in rows:
            votes[factor, dim] += 1
        return votes

    votes = tally(train)
    classifier = np.argmax(votes, axis=0)
    dims = np.arange(num_codes)
    eval_votes = tally(evals)
    return {
        "factor_vae_metric": float(np.sum(eval_votes[classifier, dims]) / np.sum(eval_votes)),
        "factor_vae_train_accuracy": float(np.sum(votes[classifier, dims]) / np.sum(votes)),
    }


def mig(directory, bins=20):
    codes = load(directory, "mig_codes.npy").T  # (Z, N) as disentanglement_lib holds them
    factors = load(directory, "mig_factors.npy").T  # (K, N)
    binned = np.zeros_like(codes, dtype=np.int64)
    for i in range(codes.shape[0]):
        edges = np.histogram(codes[i, :], bins)[1][:-1]
        binned[i, :] = np.digitize(codes[i, :], edges)
    m = np.array([[mutual_info_score(factors[j, :], binned[i, :]) for j in range(factors.shape[0])]
                  for i in range(codes.shape[0])])
    entropy = np.array([mutual_info_score(factors[j, :], factors[j, :]) for j in range(factors.shape[0])])
    top = np.sort(m, axis=0)[::-1]
    gaps = (top[0, :] - top[1, :]) / entropy if m.shape[0] > 1 else top[0, :] / entropy
    return {"mig": float(np.mean(gaps))}


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: rescore_dump.py DIR [--detail]\n")
        return 2
    directory = argv[1]
    detail = "--detail" in argv[2:]
    num_codes = load(directory, "mig_codes.npy").shape[1]
    num_factors = load(directory, "mig_factors.npy").shape[1]
    out = {}
    out.update(beta_vae(directory, detail))
    out.update(factor_vae(directory, num_codes, num_factors))
    out.update(mig(directory))
    print(json.dumps(out, indent=1 if detail else None))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
