"""The four suites. Each takes cases plus the thing under test (as a small protocol or callable)
and returns a :class:`evals.results.SuiteResult`; none of them builds the product itself, which
is :mod:`evals.workspace`'s job."""
