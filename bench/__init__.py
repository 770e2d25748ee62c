"""`make bench`: measurements that print ratios; kept out of the test suite."""
