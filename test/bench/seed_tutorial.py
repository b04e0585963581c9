"""The tutorial's own code for the four seed experiments (scikit-learn and Keras), timed.

Run by test/bench/seed.ts in a venv it creates; prints one JSON object. Each experiment runs
its grid x seeds exactly as the tutorial does: a partial_fit loop for SGDRegressor, model.fit
for Keras. `--sample N` trains only the first N trials of each experiment (the figure is then
scaled by the bench, and says so).
"""

import argparse
import json
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load(path):
    data = np.genfromtxt(path, delimiter=",", names=True)
    x = np.stack([data["Height"], data["Weight"], data["Gender"]], axis=1)
    return x, data["Index"].astype(int)


def linear(x, y, lrs, seeds, epochs, sample):
    from sklearn.linear_model import SGDRegressor
    from sklearn.metrics import mean_squared_error
    from sklearn.model_selection import train_test_split

    xt, xv, yt, yv = train_test_split(x, y, test_size=0.3, random_state=42)
    trials = [(lr, s) for lr in lrs for s in seeds][:sample]
    for lr, seed in trials:
        model = SGDRegressor(learning_rate="constant", eta0=lr, random_state=seed)
        for _ in range(epochs):
            model.partial_fit(xt, yt)
            mean_squared_error(yt, model.predict(xt))
            mean_squared_error(yv, model.predict(xv))
    return len(trials)


def keras(x, y, optimizers, seeds, epochs, sample):
    import tensorflow as tf

    onehot = tf.keras.utils.to_categorical(y, 6)
    xt, xv, yt, yv = x[:300], x[300:], onehot[:300], onehot[300:]
    trials = [(o, s) for o in optimizers for s in seeds][:sample]
    for make, seed in trials:
        tf.keras.utils.set_random_seed(seed)
        model = tf.keras.Sequential(
            [
                tf.keras.Input((3,)),
                tf.keras.layers.Dense(128, activation="relu"),
                tf.keras.layers.Dense(64, activation="relu"),
                tf.keras.layers.Dense(6, activation="softmax"),
            ]
        )
        model.compile(optimizer=make(), loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(xt, yt, epochs=epochs, batch_size=32, validation_data=(xv, yv), verbose=0)
    return len(trials)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--sample", type=int, default=10**9)
    a = p.parse_args()
    x, y = load(a.data)
    seeds = [1, 2, 3]
    import tensorflow as tf

    k = tf.keras.optimizers
    out = {}
    experiments = {
        "linear-lr": lambda: linear(
            x, y, [1e-4, 1e-3, 1e-2, 0.1, 0.2, 0.5, 0.8, 1], seeds, a.epochs, a.sample
        ),
        "mlp-lr": lambda: keras(
            x,
            y,
            [(lambda lr=lr: k.SGD(learning_rate=lr)) for lr in [1.0, 0.1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7]],
            seeds,
            a.epochs,
            a.sample,
        ),
        "momentum": lambda: keras(
            x,
            y,
            [(lambda m=m: k.SGD(learning_rate=1e-3, momentum=m)) for m in [0.0, 0.1, 0.5, 0.9]],
            seeds,
            a.epochs,
            a.sample,
        ),
        "optimizers": lambda: keras(
            x, y, [k.Adamax, k.Adam, k.Adagrad, k.RMSprop], seeds, a.epochs, a.sample
        ),
    }
    for name, run in experiments.items():
        w0, c0 = time.perf_counter(), cpu_seconds()
        n = run()
        out[name] = {"trials": n, "wallS": time.perf_counter() - w0, "cpuS": cpu_seconds() - c0}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
