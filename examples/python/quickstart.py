"""autorec from Python: train I-AutoRec on the embedded MovieLens data, evaluate it, recommend,
and fold in a user the model never saw. Run from the repository after `pip install`:

    python examples/python/quickstart.py [RATINGS_FILE]
"""

import sys
import tempfile
from pathlib import Path

import scipy.sparse as sp

import autorec

path = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[1] / "data/ml-latest-small/ratings.csv"
ratings = autorec.load_ratings(path)                                # users x items, raw ids attached
train, test = autorec.split_ratings(ratings, test_fraction=0.1, seed=1)
model = autorec.AutoRec(hidden=500).fit(train)                       # lambda and epochs chosen on validation
print(autorec.evaluate(model, test, k=10))                           # rmse, mae, ndcg@10, ...

ids, scores = model.recommend([0, 1], N=5)                           # top-5 for two users, one row each
for user, row, row_scores in zip([0, 1], ids, scores):
    print(f"user {model.user_ids[user]}:", [(model.item_ids[i], round(float(s), 2)) for i, s in zip(row, row_scores)])

# A new user, folded in from their ratings without retraining.
liked = {"1": 5.0, "260": 5.0, "1196": 4.5, "2571": 2.0}
columns = [model.item_index(item) for item in liked]
new_user = sp.csr_matrix((list(liked.values()), ([0] * len(columns), columns)), shape=(1, train.shape[1]))
ids, scores = model.recommend(0, new_user, N=5, recalculate_user=True)
print("new user:", [model.item_ids[i] for i in ids])

with tempfile.TemporaryDirectory() as folder:
    model.save(f"{folder}/model.bin")                               # autorec-recommend and autorec-serve read it
    print("saved and read back:", autorec.load(f"{folder}/model.bin"))
