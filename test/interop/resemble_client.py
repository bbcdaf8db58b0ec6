"""A client written the way Resemble's Python examples and pipecat use the streaming API.

Usage: resemble_client.py WS_URL VOICE_UUID OUT.wav
Sends the docs' example payload, collects the base64 audio of every `audio` frame of the request until
`audio_end`, and writes it to OUT.wav. Prints a JSON summary on stdout.
"""
import asyncio
import base64
import json
import sys

import websockets


async def main(url: str, voice_uuid: str, out_path: str) -> None:
    async with websockets.connect(url, extra_headers={"Authorization": "Bearer interop-key"}) as ws:
        payload = {
            "voice_uuid": voice_uuid,
            "data": "Hello from Python! This is a streaming test.",
            "binary_response": False,
            "request_id": 0,
            "output_format": "wav",
            "sample_rate": 22050,
            "precision": "PCM_16",
            "no_audio_header": False,
        }
        await ws.send(json.dumps(payload))
        audio = bytearray()
        chars = []
        frames = 0
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "audio":
                frames += 1
                audio += base64.b64decode(message["audio_content"])
                chars += message["audio_timestamps"]["graph_chars"]
            elif message["type"] == "audio_end":
                break
            elif message["type"] == "error":
                raise SystemExit(f"server error: {message}")
    with open(out_path, "wb") as out:
        out.write(audio)
    print(json.dumps({"frames": frames, "bytes": len(audio), "text": "".join(chars)}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
