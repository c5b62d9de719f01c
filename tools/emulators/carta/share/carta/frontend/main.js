// the emulator frontend: the real one derives its WebSocket URL from the page URL and sends PING every 5 s
