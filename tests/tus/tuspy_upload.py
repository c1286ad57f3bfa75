"""Uploads a file to a Chevet hub with tuspy, an independent tus 1.0 client.

Usage: tuspy_upload.py HUB_URL CREDENTIAL FILE BLAKE3_HEX
Prints the upload URL. Exits non-zero on any failure.
"""
import sys

from tusclient import client

url, credential, path, blake3_hex = sys.argv[1:5]
c = client.TusClient(url + "/v1/blobs", headers={"Authorization": "Bearer " + credential})
uploader = c.uploader(path, chunk_size=64 * 1024, metadata={"blake3": blake3_hex}, upload_checksum=True)
uploader.upload()
print(uploader.url)
