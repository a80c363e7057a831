"""A small course made for quizzes: two topics with multiple-choice questions and term cards."""

import pytest

from tests.coursefiles import write_course


def _question(slug, n):
    options = "\n".join(
        f'  [[questions.options]]\n  text = "{slug} option {k}"\n' + ("  correct = true\n" if k == 2 else "")
        for k in range(1, 5))
    return (f'[[questions]]\nslug = "{slug}"\ntext = "Question {slug}: which option is right?"\n'
            f'source = "000"\nexplanation = "Because {slug} says so."\n\n{options}\n')


def _card(slug, front, back, term=True):
    return (f'[[cards]]\nslug = "{slug}"\nfront = "{front}"\nback = "{back}"\nsource = "000"\n'
            + ("term = true\n" if term else "") + "\n")


def topic(slug, order, questions, cards):
    head = f'slug = "{slug}"\ntitle = "Topic {slug}"\norder = {order}\nsummary = "About {slug}."\n\n'
    return head + "".join(_question(f"{slug}-q{n}", n) for n in range(1, questions + 1)) + "".join(
        _card(*card) for card in cards)


ALPHA_CARDS = [
    ("alpha-update-gate", "Update gate ($z_t$)", "Decides how much of the old state to keep."),
    ("alpha-gru", "Gated Recurrent Unit (GRU)", "A gated RNN with two gates and no cell."),
    ("alpha-bptt", "Truncated BPTT", "Backpropagating through chunks of k steps only."),
    ("alpha-not-a-term", "Why do gradients vanish?", "Repeated products of small factors.", False),
]
BETA_CARDS = [
    ("beta-cell-state", "Cell state ($c_t$)", "The long-term memory of an LSTM."),
    ("beta-mse", "Mean squared error (MSE)", "The average squared difference."),
]


def quiz_course_files(root, alpha_questions=6, beta_questions=2):
    return write_course(root, {
        "010-alpha.toml": topic("alpha", 10, alpha_questions, ALPHA_CARDS),
        "020-beta.toml": topic("beta", 20, beta_questions, BETA_CARDS),
    })


@pytest.fixture
def quiz_course(db, tmp_path):
    """Loaded: alpha (6 questions, 3 term cards and one other card), beta (2 questions, 2 terms)."""
    from studyapp.course.loading import load_course

    root = quiz_course_files(tmp_path / "course")
    load_course(root)
    return root


@pytest.fixture
def learner(db):
    from studyapp.accounts.models import Learner

    return Learner.objects.create(guest_session_key="quiz-test-learner")
