#!/usr/bin/python3
"""Reference values for storefuse's multi-task loss (train/src/losses.cpp).

Writes tests/train/fixtures/losses.json: small model outputs, targets and
presence masks, the loss settings (as --set overrides of configs/defaults.yaml)
and, computed here in float64 from the formulas below, the expected loss
parts, the total and its gradients with respect to every model output and the
learned task weights. tests/train/test_losses.cpp feeds the same inputs to
MultiTaskLoss and compares. Run with Debian's /usr/bin/python3 (torch 1.13).

The formulas, written out rather than taken from torch.nn.functional (each is
cross-checked against it where torch has one):
  behaviour  cross-entropy with class weights w and label smoothing e, as
             PyTorch defines it: per row (1-e)*w[y]*(-log p_y)
             + e/C * sum_c w[c]*(-log p_c), summed and divided by sum w[y].
  dwell      mse / huber: on seconds, divided by std^2 (the trainer compares
             normalised seconds, which is the same loss up to that factor;
             huber's threshold huber_delta_s is in seconds);
             log_mse: mean (log1p(max(pred_s, -0.9)) - log1p(true_s))^2.
             With model.dwell_space log the head is in log1p(seconds) and
             mean/std are that space's: mse / huber compare mean + std * head
             with log1p(true_s), divided by std^2; huber's threshold is
             huber_delta_log, in log1p(seconds).
  engagement mse on sigmoid(logit); bce on the logit.
  contrastive CLIP: rows where both modalities are present, L2-normalised
             tokens, logits = za @ zb.T / tau, mean of the cross-entropy of
             the rows and of the columns against the diagonal; 0 (with zero
             gradient) when fewer than two rows qualify.
  total      fixed: sum_i w_i * L_i; uncertainty (Kendall, Gal & Cipolla 2018,
             in the form of Gal's reference code): sum_i exp(-s_i) * L_i + s_i.
"""
import json
import math
import pathlib

import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).parent / "fixtures" / "losses.json"
MODALITIES = ["visual", "audio", "text", "sensor"]
torch.set_default_dtype(torch.float64)


def cross_entropy(logits, target, weight, eps):
    c = logits.shape[1]
    logp = torch.log_softmax(logits, dim=1)
    w = torch.ones(c) if weight is None else weight
    nll = -(w[target] * logp.gather(1, target[:, None])[:, 0])
    smooth = -(logp * w).sum(1) / c
    return ((1 - eps) * nll + eps * smooth).sum() / w[target].sum()


def huber(x, delta):
    a = x.abs()
    return torch.where(a < delta, 0.5 * x * x, delta * (a - 0.5 * delta)).mean()


def contrastive(tokens, mask, pair, tau):
    a, b = pair
    both = (mask[:, a] * mask[:, b]).bool()
    if int(both.sum()) < 2:
        return tokens.sum() * 0.0
    za = tokens[both, a]
    zb = tokens[both, b]
    za = za / za.norm(dim=1, keepdim=True)
    zb = zb / zb.norm(dim=1, keepdim=True)
    logits = za @ zb.T / tau
    n = logits.shape[0]
    rows = -torch.log_softmax(logits, 1).diagonal().mean()
    cols = -torch.log_softmax(logits.T, 1).diagonal().mean()
    check = 0.5 * (F.cross_entropy(logits, torch.arange(n)) + F.cross_entropy(logits.T, torch.arange(n)))
    assert torch.allclose(check, 0.5 * (rows + cols))
    return 0.5 * (rows + cols)


def reference(case, x):
    s = case["settings"]
    mean, std = case["dwell_mean_s"], case["dwell_std_s"]
    w = None if not s["class_weights"] else torch.tensor(s["class_weights"], dtype=torch.float64)
    parts = {"behavior": cross_entropy(x["behavior_logits"], x["behavior"], w, s["label_smoothing"])}
    torch_ce = F.cross_entropy(x["behavior_logits"], x["behavior"], weight=w,
                               label_smoothing=s["label_smoothing"])
    assert torch.allclose(parts["behavior"], torch_ce), (parts["behavior"], torch_ce)

    pred_s = x["dwell_norm"] * std + mean
    true_s = x["dwell_s"]
    if s["dwell_space"] == "log":
        assert s["dwell"] in ("mse", "huber")
        true_log = torch.log1p(true_s)
        if s["dwell"] == "mse":
            parts["dwell"] = ((pred_s - true_log) ** 2).mean() / std**2
        else:
            parts["dwell"] = huber(pred_s - true_log, s["huber_delta_log"]) / std**2
            assert torch.allclose(parts["dwell"] * std**2,
                                  F.huber_loss(pred_s, true_log, delta=s["huber_delta_log"]))
    elif s["dwell"] == "mse":
        parts["dwell"] = ((pred_s - true_s) ** 2).mean() / std**2
    elif s["dwell"] == "huber":
        parts["dwell"] = huber(pred_s - true_s, s["huber_delta_s"]) / std**2
        assert torch.allclose(parts["dwell"] * std**2,
                              F.huber_loss(pred_s, true_s, delta=s["huber_delta_s"]))
    else:
        parts["dwell"] = ((torch.log1p(pred_s.clamp_min(-0.9)) - torch.log1p(true_s)) ** 2).mean()

    logit, target = x["engagement_logit"], x["engagement"]
    if s["engagement"] == "mse":
        parts["engagement"] = ((torch.sigmoid(logit) - target) ** 2).mean()
    else:
        p = torch.sigmoid(logit)
        parts["engagement"] = -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()
        assert torch.allclose(parts["engagement"], F.binary_cross_entropy_with_logits(logit, target))

    terms = [parts["behavior"], parts["dwell"], parts["engagement"]]
    weights = [s["behavior_weight"], s["dwell_weight"], s["engagement_weight"]]
    if s["contrastive_weight"] > 0:
        pair = [MODALITIES.index(m) for m in s["contrastive_modalities"]]
        parts["contrastive"] = contrastive(x["tokens"], x["mask"], pair, s["temperature"])
        terms.append(parts["contrastive"])
        weights.append(s["contrastive_weight"])
    if s["task_weighting"] == "uncertainty":
        lv = x["log_vars"]
        total = sum(torch.exp(-lv[i]) * t + lv[i] for i, t in enumerate(terms))
    else:
        total = sum(wi * t for wi, t in zip(weights, terms))
    return total, parts


def sets_of(s):
    return [
        f"loss.behavior.weight={s['behavior_weight']}",
        f"loss.behavior.label_smoothing={s['label_smoothing']}",
        f"loss.behavior.class_weights=[{', '.join(repr(v) for v in s['class_weights'])}]",
        f"loss.dwell.weight={s['dwell_weight']}",
        f"loss.dwell.kind={s['dwell']}",
        f"loss.dwell.huber_delta_s={s['huber_delta_s']}",
        f"loss.dwell.huber_delta_log={s['huber_delta_log']}",
        f"model.dwell_space={s['dwell_space']}",
        f"loss.engagement.weight={s['engagement_weight']}",
        f"loss.engagement.kind={s['engagement']}",
        f"loss.task_weighting={s['task_weighting']}",
        f"loss.contrastive.weight={s['contrastive_weight']}",
        f"loss.contrastive.modalities=[{', '.join(s['contrastive_modalities'])}]",
        f"loss.contrastive.temperature={s['temperature']}",
    ]


def make_case(name, seed, settings, rows=8, classes=5, embed=6, mask_zeros=(), log_vars=None,
              dwell_norm_shift=0.0):
    g = torch.Generator().manual_seed(seed)
    f32 = lambda t: t.to(torch.float32).to(torch.float64)  # values float32 holds exactly
    # The training set's dwell statistics in the head's space.
    mean, std = (3.9, 0.7) if settings.get("dwell_space") == "log" else (55.0, 18.0)
    x = {
        "behavior_logits": f32(torch.randn(rows, classes, generator=g) * 2),
        "dwell_norm": f32(torch.randn(rows, generator=g) * 1.5 + dwell_norm_shift),
        "engagement_logit": f32(torch.randn(rows, generator=g) * 2),
        "tokens": f32(torch.randn(rows, 4, embed, generator=g)),
        "behavior": torch.randint(0, classes, (rows,), generator=g),
        "dwell_s": f32(torch.rand(rows, generator=g) * 90 + 5),
        "engagement": f32(torch.rand(rows, generator=g)),
    }
    mask = torch.ones(rows, 4)
    for r, m in mask_zeros:
        mask[r, m] = 0
    x["mask"] = mask
    base = {"behavior_weight": 1.0, "label_smoothing": 0.0, "class_weights": [], "dwell_weight": 1.0,
            "dwell": "mse", "huber_delta_s": 10.0, "huber_delta_log": 0.1, "dwell_space": "seconds",
            "engagement_weight": 1.0, "engagement": "mse",
            "task_weighting": "fixed", "contrastive_weight": 0.0,
            "contrastive_modalities": ["visual", "audio"], "temperature": 0.07}
    base.update(settings)
    case = {"name": name, "settings": base, "classes": classes, "dwell_mean_s": mean, "dwell_std_s": std}
    inputs = ["behavior_logits", "dwell_norm", "engagement_logit", "tokens"]
    if base["task_weighting"] == "uncertainty":
        x["log_vars"] = f32(torch.tensor(log_vars))
        inputs.append("log_vars")
    for k in inputs:
        x[k].requires_grad_(True)
    total, parts = reference(case, x)
    grads = torch.autograd.grad(total, [x[k] for k in inputs], allow_unused=True)
    tensor = lambda t: {"shape": list(t.shape), "data": t.detach().flatten().tolist()}
    case["sets"] = sets_of(base)
    case["inputs"] = {k: tensor(x[k]) for k in
                      inputs + ["behavior", "dwell_s", "engagement", "mask"]}
    case["expected"] = {"total": total.item(), **{k: v.item() for k, v in parts.items()}}
    case["grad"] = {k: tensor(gr if gr is not None else torch.zeros_like(x[k]))
                    for k, gr in zip(inputs, grads)}
    return case


def main():
    cases = [
        make_case("ce_class_weights_label_smoothing_mse_fixed", 1,
                  {"class_weights": [0.5, 2.0, 1.0, 3.0, 0.25], "label_smoothing": 0.1,
                   "behavior_weight": 1.5, "dwell_weight": 0.5, "engagement_weight": 2.0},
                  mask_zeros=[(2, 0), (5, 3)]),
        make_case("huber_bce", 2,
                  {"dwell": "huber", "huber_delta_s": 12.0, "engagement": "bce",
                   "label_smoothing": 0.2, "dwell_weight": 0.7}),
        make_case("log_mse_with_clamped_predictions", 3, {"dwell": "log_mse"},
                  dwell_norm_shift=-3.2),
        make_case("uncertainty_weighting", 4,
                  {"task_weighting": "uncertainty", "behavior_weight": 1.0, "dwell_weight": 0.5,
                   "engagement_weight": 2.0, "engagement": "bce", "class_weights": [1.0, 1.0, 2.0, 1.0, 1.0]},
                  log_vars=[0.3, -0.4, 1.1]),
        make_case("uncertainty_with_contrastive", 5,
                  {"task_weighting": "uncertainty", "contrastive_weight": 0.5,
                   "contrastive_modalities": ["audio", "text"], "temperature": 0.1,
                   "dwell": "huber"},
                  mask_zeros=[(0, 1), (3, 2), (6, 0)], log_vars=[-0.2, 0.5, 0.1, 0.7]),
        make_case("contrastive_clip_fixed", 6,
                  {"contrastive_weight": 1.0, "temperature": 0.07}, rows=10,
                  mask_zeros=[(4, 1), (9, 0), (9, 1)]),
        make_case("contrastive_one_row_is_zero", 7,
                  {"contrastive_weight": 0.3, "contrastive_modalities": ["text", "sensor"]},
                  rows=4, mask_zeros=[(0, 2), (1, 3), (2, 2)]),
        make_case("log_space_mse", 8, {"dwell_space": "log"}),
        make_case("log_space_huber", 9, {"dwell_space": "log", "dwell": "huber", "huber_delta_log": 0.4}),
    ]
    # The log_mse case must reach the clamp, so that its zero gradient is tested.
    log_case = cases[2]
    pred = [v * 18.0 + 55.0 for v in log_case["inputs"]["dwell_norm"]["data"]]
    assert any(p < -0.9 for p in pred) and any(p > -0.9 for p in pred), pred
    OUT.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps({"generator": "tests/train/make_loss_fixtures.py", "torch": torch.__version__})
    body = ",\n".join(json.dumps(c) for c in cases)  # one case per line
    OUT.write_text(head[:-1] + ', "cases": [\n' + body + "\n]}\n")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
