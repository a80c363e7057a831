"""The quiz builder's form and the answer form; both read input and never write."""

from django import forms

from studyapp.course.models import Topic

from .attempts import CANDIDATES, DEFAULT_KINDS, DEFAULT_LENGTH, MAX_LENGTH, MIN_LENGTH
from .models import AttemptQuestion, Kind
from .numeric import parse_numbers

MAX_TYPED = 200


class BuildForm(forms.Form):
    all_topics = forms.BooleanField(required=False, label="All topics")
    weakest = forms.BooleanField(required=False, label="My weakest topics")
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.live(), to_field_name="slug", required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "%(value)s is not a topic of the course."},
    )
    length = forms.IntegerField(
        min_value=MIN_LENGTH, max_value=MAX_LENGTH, initial=DEFAULT_LENGTH,
        label="Questions", help_text=f"{MIN_LENGTH} to {MAX_LENGTH}",
        error_messages={"required": f"Say how many questions ({MIN_LENGTH} to {MAX_LENGTH})."},
    )
    kinds = forms.MultipleChoiceField(
        choices=[(kind, Kind(kind).label) for kind in CANDIDATES],
        widget=forms.CheckboxSelectMultiple, initial=list(DEFAULT_KINDS),
        error_messages={"required": "Choose at least one kind of question."},
    )

    @classmethod
    def initial_from(cls, query) -> dict:
        """Initial values from a link such as /quiz/?topics=gru: known topics ticked, else all."""
        slugs = query.getlist("topics")
        known = list(Topic.objects.live().filter(slug__in=slugs).values_list("slug", flat=True))
        return {"topics": known, "all_topics": not known}

    def clean(self):
        cleaned = super().clean()
        if (not cleaned.get("all_topics") and not cleaned.get("weakest") and not cleaned.get("topics")
                and "topics" not in self.errors):
            self.add_error("topics", "Choose at least one topic, or All topics, or My weakest topics.")
        return cleaned

    def chosen_topics(self) -> list[Topic] | None:
        """The topics to quiz on (None: all of them; ignored for My weakest topics)."""
        return None if self.cleaned_data["all_topics"] else list(self.cleaned_data["topics"])


class AnswerForm(forms.Form):
    """One answer: an option (choice), typed text (term), or "I don't know". `response` is what
    is graded and stored: the option's position, the text with its spacing tidied, or ""."""

    option = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, widget=forms.RadioSelect,
        error_messages={"invalid_choice": "That is not one of this question's options."},
    )
    answer = forms.CharField(
        required=False, max_length=MAX_TYPED, strip=True, label="Your answer",
        error_messages={"max_length": f"An answer is at most {MAX_TYPED} characters."},
    )
    dont_know = forms.BooleanField(required=False)

    def __init__(self, *args, question: AttemptQuestion, **kwargs):
        super().__init__(*args, auto_id=f"id_q{question.position}_%s", **kwargs)
        self.question = question
        self.fields["option"].choices = [(n, text) for n, text, _ in question.option_list]

    @property
    def typed(self) -> bool:
        return not self.question.options

    def _numbers(self, text: str) -> str:
        """A typed calculation's numbers, written one way ("0.5, -1.1") so that the same
        numbers typed again are the same answer; unreadable text or the wrong count of numbers
        is a form error (asked again, not counted)."""
        try:
            numbers = parse_numbers(text, length=self.question.params.get("typed_length"))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return ", ".join(repr(float(n)).removesuffix(".0") for n in numbers)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("dont_know"):
            cleaned["response"] = ""
        elif self.typed:
            text = " ".join(cleaned.get("answer", "").split())
            if not text:
                raise forms.ValidationError("Type your answer, or choose \u201cI don't know\u201d.")
            if self.question.kind == Kind.NUMERIC_TYPED:
                text = self._numbers(text)
            cleaned["response"] = text
        else:
            if cleaned.get("option") is None:
                raise forms.ValidationError(
                    "Choose one of the options (keys 1 to "
                    f"{len(self.question.options)}), or \u201cI don't know\u201d.")
            cleaned["response"] = str(cleaned["option"])
        return cleaned
