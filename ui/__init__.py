"""What the Streamlit pages share. The rules live in `plie`; this package only presents them."""
