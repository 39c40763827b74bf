"""The secrets committed to this repository for development and the tests, in one place.

dev.py and test.py take their defaults from here, and the key checks of the production
settings (accounts/checks.py) refuse every value listed here: anyone can read them.
"""

DEV_SECRET_KEY = "dev-only-not-secret-hedong-union-portal"
DEV_PII_ENCRYPTION_KEY = "ZGV2LW9ubHktcGlpLWtleS1oZWRvbmctdW5pb24tMDE="
DEV_PII_HMAC_KEY = "dev-only-pii-hmac-key-hedong-union"

TEST_SECRET_KEY = "test-only-not-secret-hedong-union-portal"
TEST_PII_ENCRYPTION_KEY = "dGVzdC1vbmx5LXBpaS1rZXktaGVkb25nLXVuaW9uLTE="
TEST_PII_HMAC_KEY = "test-only-pii-hmac-key-hedong-union"

PUBLISHED_SECRET_KEYS = frozenset({DEV_SECRET_KEY, TEST_SECRET_KEY})
PUBLISHED_PII_ENCRYPTION_KEYS = frozenset({DEV_PII_ENCRYPTION_KEY, TEST_PII_ENCRYPTION_KEY})
PUBLISHED_PII_HMAC_KEYS = frozenset({DEV_PII_HMAC_KEY, TEST_PII_HMAC_KEY})
# Any of them, whatever it was published as: a published HMAC key is no better as a
# secret key.
PUBLISHED = PUBLISHED_SECRET_KEYS | PUBLISHED_PII_ENCRYPTION_KEYS | PUBLISHED_PII_HMAC_KEYS
