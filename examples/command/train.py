"""A hypersweep command trial: scikit-learn's MLPClassifier, one epoch per partial_fit.

hypersweep runs this once per trial in a copy of this folder. It reads the trial from
HYPERSWEEP_TRIAL_FILE, trains on the split (and standardised) CSVs hypersweep wrote, prints one
JSON line per epoch, and saves a checkpoint folder when hypersweep should keep it.
See "Command trials" in spec/README.md for the protocol.
"""

import argparse
import json
import os
import pickle
import signal
import time

import numpy as np
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier

parser = argparse.ArgumentParser()
parser.add_argument("--width", type=int, required=True)
args = parser.parse_args()

with open(os.environ["HYPERSWEEP_TRIAL_FILE"]) as f:
    trial = json.load(f)
opt = trial["optimizer"]
data = trial["data"]
classes = np.arange(data["numClasses"])


def load(path):
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return table[:, :-1], table[:, -1].astype(int)


x_train, y_train = load(data["train"])
x_val, y_val = load(data["validation"])
checkpoints = trial["checkpointDir"]

# A worker that stops sends SIGTERM: finish the epoch, checkpoint, exit; a retry resumes there.
stopping = False


def on_term(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, on_term)

resume = trial["resume"]
if resume:
    with open(os.path.join(resume["checkpoint"], "model.pkl"), "rb") as f:
        model = pickle.load(f)
    start = resume["epoch"]
else:
    model = MLPClassifier(
        hidden_layer_sizes=(args.width,),
        solver=opt["name"] if opt["name"] in ("sgd", "adam") else "adam",
        learning_rate_init=opt["learningRate"],
        momentum=opt.get("momentum", 0.0) or 0.0,
        nesterovs_momentum=bool(opt.get("nesterov", False)),
        batch_size=trial["batchSize"],
        random_state=trial["seed"],
    )
    start = 0


def checkpoint(epoch):
    folder = os.path.join(checkpoints, f"epoch-{epoch}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.pkl"), "wb") as f:
        pickle.dump(model, f)
    # A new folder each time, never changed again: hypersweep copies it after reading the line,
    # then deletes the older ones itself.
    print(json.dumps({"checkpoint": f"epoch-{epoch}"}), flush=True)


# Only to make the example's epochs long enough to interrupt in tests.
pause = float(os.environ.get("EPOCH_SLEEP", "0"))
every = trial["checkpointEvery"]
for epoch in range(start + 1, trial["epochs"] + 1):
    model.partial_fit(x_train, y_train, classes=classes)
    p_train, p_val = model.predict_proba(x_train), model.predict_proba(x_val)
    print(
        json.dumps(
            {
                "epoch": epoch,
                "loss": log_loss(y_train, p_train, labels=classes),
                "val_loss": log_loss(y_val, p_val, labels=classes),
                "accuracy": float(np.mean(p_train.argmax(1) == y_train)),
                "val_accuracy": float(np.mean(p_val.argmax(1) == y_val)),
            }
        ),
        flush=True,
    )
    if epoch % every == 0 or stopping:
        checkpoint(epoch)
    if stopping:
        break
    time.sleep(pause)
