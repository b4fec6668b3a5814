# A training script with the activation/loss mistakes the linter catches; `actloss demo` lints it.
# It is read, never imported or run: `actloss lint src/actloss/demo/buggy_train.py` shows the same findings.
import torch
import torch.nn as nn


class FraudNet(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(d, 64), nn.Sigmoid(),
            nn.Linear(64, 64), nn.Sigmoid(),
            nn.Linear(64, 64), nn.Sigmoid(),
            nn.Linear(64, 64), nn.Sigmoid(),
            nn.Linear(64, 1),
        )

    def forward(self, x):
        return torch.sigmoid(self.body(x))


class SpeciesNet(nn.Module):
    def __init__(self, d: int, k: int) -> None:
        super().__init__()
        self.fc = nn.Linear(d, k)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.fc(x))


def train_fraud(loader, d):
    model = FraudNet(d)
    criterion = nn.BCELoss()
    opt = torch.optim.Adam(model.parameters())
    for x, y in loader:
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
    return model


def train_species(loader, d, k):
    model = SpeciesNet(d, k)
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
    return model


def train_grade(loader, d):
    # class labels 0..4 regressed with MSE
    model = nn.Linear(d, 5)
    criterion = nn.MSELoss()
    opt = torch.optim.Adam(model.parameters())
    for x, y in loader:
        opt.zero_grad()
        onehot = nn.functional.one_hot(y, 5).float()
        loss = criterion(model(x), onehot)
        loss.backward()
        opt.step()
    return model
