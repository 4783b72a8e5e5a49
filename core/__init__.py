"""The domain of the HEK Service-Portal. Never imports streamlit."""
