"""LLM assist: settle what the template parser left unsettled, through an OpenAI-compatible endpoint.

The parser stays the authority. A model is asked only about regions the parser could not read (or,
with ``--llm always``, about every region as a second opinion); its answers are validated against the
identities before they are accepted, reconciled value by value with the parser's, and every value it
contributes is flagged. Nothing here is imported unless an endpoint is configured (see ``factory``).

    factory    settings → LLMAssistant (or None when no endpoint is configured)
    assistant  the pipeline's Assistant: regions → prompts → answers → reconciled values
    regions    which parts of the document to send, and their text
    prompts    Jinja templates rendered in a sandbox; document text enters only as a variable
    schemas    pydantic response models whose validators check the identities (instructor re-asks)
    client     the one HTTP path to the model: retries, deadline, circuit breaker, error translation
    breaker    the circuit breaker shared by a batch
    deadline   a per-document time budget
    cache      SQLite response cache: a re-run costs no calls
    usage      calls and tokens per document
    reconcile  parser and model values side by side
    injection  instructions aimed at the model inside the report text
"""
