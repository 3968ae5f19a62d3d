"""A character-level language model: a small causal Transformer (ember.nn.TransformerEncoder with
a square subsequent mask) trained on a text file shipped with Debian, then sampled from.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/char_transformer.py [--steps N]

The default text is the GPL-3 (/usr/share/common-licenses/GPL-3, in every Debian install)."""
import argparse
import math
import time

import ember
import ember.nn as nn
import ember.nn.functional as F


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, context, d_model=64, nhead=4, num_layers=2, dim_feedforward=128, dropout=0.1):
        super().__init__()
        self.context = context
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model))
        self.head = nn.Linear(d_model, vocab_size)
        self.register_buffer("causal_mask", nn.Transformer.generate_square_subsequent_mask(context),
                             persistent=False)

    def forward(self, tokens):
        length = tokens.shape[1]
        x = self.token(tokens) + self.position(ember.arange(length))
        x = self.encoder(x, mask=self.causal_mask[:length, :length])
        return self.head(x)

    @ember.no_grad()
    def generate(self, prompt, steps, temperature=0.8, generator=None):
        self.eval()
        tokens = prompt
        for _ in range(steps):
            logits = self(tokens[:, -self.context:])[:, -1] / temperature
            next_token = ember.multinomial(F.softmax(logits, dim=-1), 1)
            tokens = ember.cat([tokens, next_token], dim=1)
        self.train()
        return tokens


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", default="/usr/share/common-licenses/GPL-3")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--sample-length", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    ember.manual_seed(args.seed)

    with open(args.text, encoding="utf-8") as f:
        text = f.read()
    alphabet = sorted(set(text))
    index = {c: i for i, c in enumerate(alphabet)}
    data = ember.tensor([index[c] for c in text], dtype=ember.int64)
    split = int(0.9 * len(data))
    train, valid = data[:split], data[split:]
    print(f"{args.text}: {len(text)} characters, {len(alphabet)} distinct; "
          f"uniform guessing costs {math.log(len(alphabet)):.3f} nats per character")

    def batch(source):
        starts = ember.randint(0, len(source) - args.context - 1, (args.batch_size,))
        offsets = starts.unsqueeze(1) + ember.arange(args.context + 1)
        chunk = source[offsets]
        return chunk[:, :-1], chunk[:, 1:]

    model = CharTransformer(len(alphabet), args.context)
    optimizer = ember.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)
    print(f"model: {sum(p.numel() for p in model.parameters())} parameters")
    start, losses = time.perf_counter(), []
    for step in range(1, args.steps + 1):
        inputs, targets = batch(train)
        loss = F.cross_entropy(model(inputs).reshape(-1, len(alphabet)), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        if step % max(1, args.steps // 6) == 0 or step == args.steps:
            with ember.no_grad():
                model.eval()
                inputs, targets = batch(valid)
                valid_loss = F.cross_entropy(model(inputs).reshape(-1, len(alphabet)), targets.reshape(-1)).item()
                model.train()
            print(f"step {step}: train loss {sum(losses[-20:]) / len(losses[-20:]):.3f}, "
                  f"valid loss {valid_loss:.3f} ({time.perf_counter() - start:.1f} s)")
    prompt = ember.tensor([[index[c] for c in "The "]], dtype=ember.int64)
    sample = model.generate(prompt, args.sample_length)
    print("sample:\n" + "".join(alphabet[i] for i in sample[0].tolist()))
    return losses


if __name__ == "__main__":
    main()
