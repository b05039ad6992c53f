"""The Telegram edge: parse the update, check the role, call one service, render the reply."""
