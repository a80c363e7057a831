"""Optimisers: SGD, SGD with momentum, Adagrad, Adam.

Each follows PyTorch's update rule (``torch.optim``) with its default hyperparameters, and
updates the parameter arrays in place. For a parameter p with gradient dp = dL/dp (the course
keeps g for the LSTM's candidate gate), at step t:

    SGD       p <- p - lr * dp
    Momentum  v <- mu * v + dp;                      p <- p - lr * v
    Adagrad   G <- G + dp^2;                         p <- p - lr * dp / (sqrt(G) + eps)
    Adam      m <- b1 m + (1 - b1) dp;  v <- b2 v + (1 - b2) dp^2
              p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

min-char-rnn's Adagrad writes ``p -= lr * dp / sqrt(G + 1e-8)``: eps inside the root; the two
agree once G is well above eps.

Usage:   opt = Adam(lr=1e-3);  opt.step(params, grads)   # dicts name -> ndarray
Built by name: make_optimizer("adam", lr=0.01), and through it optimizer_from_config(config)
(a task's configuration, as the trainer does) and optimizer_from_state(state_dict()).
The whole state (hyperparameters, step count, per-parameter moments) is ``state_dict()``:
plain floats and ints plus arrays, so a trainer can store it without pickle.
"""

from __future__ import annotations

import numpy as np

from . import limits, training_limits


class Optimizer:
    """Base class: keeps the step count and one dict of arrays per slot (moment) name."""

    name = "optimizer"
    slot_names: tuple[str, ...] = ()

    def __init__(self, lr: float):
        self.lr = limits.check_real("lr", lr, *training_limits.LEARNING_RATE)
        self.step_count = 0
        self.slots: dict[str, dict[str, np.ndarray]] = {slot: {} for slot in self.slot_names}

    def hyperparameters(self) -> dict:
        return {"lr": self.lr}

    @classmethod
    def config_hyperparameters(cls, config: dict) -> dict:
        """This optimiser's constructor arguments from a task configuration (the keys of
        rnncore.tasks.base.training_params: lr, momentum, beta1, beta2)."""
        return {"lr": config["lr"]}

    def _slot(self, slot: str, name: str, like: np.ndarray) -> np.ndarray:
        """The moment array of one parameter, created as zeros on first use."""
        arrays = self.slots[slot]
        if name not in arrays:
            arrays[name] = np.zeros_like(like)
        return arrays[name]

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every parameter in place from its gradient.

        params: dict name -> floating-point ndarray; grads: the same names, each a finite
        floating-point array of its parameter's shape. Everything is checked before anything
        is updated, so a bad gradient leaves parameters, moments and step count untouched."""
        limits.check_gradient_dict(grads, params)
        self.step_count += 1
        for name, param in params.items():
            self._update(name, param, grads[name])

    def _update(self, name: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    # --- state --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'name', 'hyperparameters', 'step', 'slots': {slot: {param name: array}}}."""
        return {"name": self.name, "hyperparameters": self.hyperparameters(),
                "step": self.step_count,
                "slots": {slot: {k: v.copy() for k, v in arrays.items()}
                          for slot, arrays in self.slots.items()}}

    def load_state_dict(self, state: dict) -> None:
        """Load a state_dict(): {'name', 'step', 'slots': {slot: {param name: array}}}.

        The step is an integer in training_limits.OPTIMIZER_STEP; the slots must be exactly this
        optimiser's, each holding finite floating-point arrays for the same parameter names
        (none at step 0, when no moment exists yet). ValueError otherwise, and the optimiser is left unchanged."""
        if not isinstance(state, dict):
            raise ValueError(f"state must be a dict, got {type(state).__name__}")
        missing = [key for key in ("name", "step", "slots") if key not in state]
        if missing:
            raise ValueError(f"optimizer state is missing {', '.join(missing)}")
        if state["name"] != self.name:
            raise ValueError(f"state is for optimizer {state['name']!r}, not {self.name!r}")
        step = limits.check_int("optimizer step", state["step"], *training_limits.OPTIMIZER_STEP)
        slots = state["slots"]
        if not isinstance(slots, dict) or set(slots) != set(self.slot_names):
            found = sorted(slots) if isinstance(slots, dict) else type(slots).__name__
            raise ValueError(f"optimizer slots must be exactly {sorted(self.slot_names)}, "
                             f"got {found}")
        loaded: dict[str, dict[str, np.ndarray]] = {}
        names = None
        for slot in self.slot_names:
            per_param = slots[slot]
            if not isinstance(per_param, dict) or not all(isinstance(k, str) for k in per_param):
                raise ValueError(f"optimizer slot {slot!r} must map parameter names to arrays")
            if names is None:
                names = set(per_param)
            elif set(per_param) != names:
                raise ValueError(f"optimizer slot {slot!r} has parameters {sorted(per_param)}, "
                                 f"other slots {sorted(names)}")
            loaded[slot] = {k: limits.check_floating_array(f"{slot}/{k}", v,
                                                           allow_empty=True).copy()
                            for k, v in per_param.items()}
        if names is not None and bool(names) != (step > 0):
            raise ValueError(f"optimizer at step {step} must have "
                             f"{'moments for its parameters' if step else 'no moments yet'}")
        self.step_count = step
        self.slots = loaded


class SGD(Optimizer):
    """Plain gradient descent: p <- p - lr * dp."""

    name = "sgd"

    def _update(self, name, param, grad):
        param -= self.lr * grad


class Momentum(Optimizer):
    """SGD with (heavy-ball) momentum, PyTorch form: v <- mu v + dp;  p <- p - lr v.

    (CS231n's v <- mu v - lr dp; p <- p + v is the same for a constant learning rate.)"""

    name = "momentum"
    slot_names = ("velocity",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9):
        super().__init__(lr)
        self.momentum = limits.check_real("momentum", momentum, *training_limits.MOMENTUM)

    def hyperparameters(self):
        return {"lr": self.lr, "momentum": self.momentum}

    @classmethod
    def config_hyperparameters(cls, config):
        return {"lr": config["lr"], "momentum": config["momentum"]}

    def _update(self, name, param, grad):
        velocity = self._slot("velocity", name, param)
        velocity *= self.momentum
        velocity += grad
        param -= self.lr * velocity


class Adagrad(Optimizer):
    """Adagrad: G <- G + dp^2;  p <- p - lr dp / (sqrt(G) + eps). Each weight's step shrinks with
    the gradient it has seen, so rare features keep large steps."""

    name = "adagrad"
    slot_names = ("sum_sq",)

    def __init__(self, lr: float = 0.01, eps: float = 1e-10):
        super().__init__(lr)
        self.eps = limits.check_real("eps", eps, *training_limits.EPSILON)

    def hyperparameters(self):
        return {"lr": self.lr, "eps": self.eps}

    def _update(self, name, param, grad):
        sum_sq = self._slot("sum_sq", name, param)
        sum_sq += grad * grad
        param -= self.lr * grad / (np.sqrt(sum_sq) + self.eps)


class Adam(Optimizer):
    """Adam with bias correction (t = step count, from 1):
        m <- b1 m + (1 - b1) dp         v <- b2 v + (1 - b2) dp^2
        p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)"""

    name = "adam"
    slot_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        super().__init__(lr)
        if not isinstance(betas, (tuple, list, np.ndarray)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), each in "
                             f"{list(training_limits.ADAM_BETA)}, got {betas!r}")
        self.betas = (limits.check_real("beta1", betas[0], *training_limits.ADAM_BETA),
                      limits.check_real("beta2", betas[1], *training_limits.ADAM_BETA))
        self.eps = limits.check_real("eps", eps, *training_limits.EPSILON)

    def hyperparameters(self):
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps}

    @classmethod
    def config_hyperparameters(cls, config):
        return {"lr": config["lr"], "betas": (config["beta1"], config["beta2"])}

    def _update(self, name, param, grad):
        beta1, beta2 = self.betas
        m = self._slot("exp_avg", name, param)
        v = self._slot("exp_avg_sq", name, param)
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        t = self.step_count
        m_hat_scale = 1.0 / (1 - beta1 ** t)
        v_hat_scale = 1.0 / (1 - beta2 ** t)
        param -= (self.lr * m_hat_scale) * m / (np.sqrt(v * v_hat_scale) + self.eps)


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adagrad, Adam)}


def make_optimizer(name: str, **hyperparameters) -> Optimizer:
    """make_optimizer('adam', lr=0.01) -> Adam(lr=0.01). Unknown names and keys raise ValueError."""
    if not isinstance(name, str):
        raise ValueError(f"optimizer must be one of {tuple(OPTIMIZERS)}, got {name!r}")
    limits.check_choice("optimizer", name, tuple(OPTIMIZERS))
    cls = OPTIMIZERS[name]
    try:
        return cls(**hyperparameters)
    except TypeError as error:
        raise ValueError(f"bad hyperparameters for optimizer {name!r}: {error}") from None


def optimizer_from_config(config: dict) -> Optimizer:
    """The optimiser a task configuration names (config["optimizer"]), built by make_optimizer
    from the configuration's keys for it (e.g. Adam's betas from beta1 and beta2)."""
    name = limits.check_choice("optimizer", config.get("optimizer"), tuple(OPTIMIZERS))
    return make_optimizer(name, **OPTIMIZERS[name].config_hyperparameters(config))


def optimizer_from_state(state: dict) -> Optimizer:
    """Rebuild an optimiser from its state_dict(); ValueError for anything malformed."""
    if not isinstance(state, dict) or not isinstance(state.get("hyperparameters"), dict):
        raise ValueError("state must be a dict with 'name', 'hyperparameters', 'step', 'slots'")
    hyper = dict(state["hyperparameters"])
    if isinstance(hyper.get("betas"), list):
        hyper["betas"] = tuple(hyper["betas"])
    optimizer = make_optimizer(state.get("name"), **hyper)
    optimizer.load_state_dict(state)
    return optimizer
