// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Test} from "./utils/Test.sol";
import {CheckableLib} from "./utils/CheckableLib.sol";

/// @title CheckablePrimitivesTest
/// @notice Known-answer tests of the chain-checkable SecAgg+ primitives (issue 9) against vectors produced by
/// `fedchain.privacy.secagg.checkable` (tests/privacy/test_secagg_checkable.py re-derives every vector below and
/// checks this file), and the gas of the final step of a fraud proof: one 256-word mask chunk, one k * P check.
/// @dev Vectors: SEED = sha256("fedchain/checkable/kat/seed"); chunks of 256 words at word offsets 1792 (chunk 7,
/// aligned: blocks 224..255) and 123461 (unaligned: 5 words into block 15432, 33 blocks); words big-endian,
/// packed. Scalar multiplications: vector i has k = sha256("fedchain/checkable/kat/k/<i>") and P = b * G with
/// b = sha256("fedchain/checkable/kat/peer/<i>"), the first such i with P.y even and with P.y odd.
/// Gas is `gasleft()` before minus after the library call (memory expansion of the result included), emitted as
/// `log_named_uint` (printed by `forge test -vv`; benchmarks/checkable_primitives.py parses it).
contract CheckablePrimitivesTest is Test {
    event log_named_uint(string key, uint256 val);

    struct Mul {
        uint256 k;
        uint256 px;
        bool pyOdd;
        uint256 qx;
        uint256 qy;
        uint8 v;
        uint256 s;
    }

    uint256 internal constant ALIGNED = 1792;
    uint256 internal constant UNALIGNED = 123461;
    uint256 internal constant CHUNK = 256;

    bytes32 internal constant SEED = 0xfe779558589ce5af8b7cc7dfc8aed5bfadbc7508c5b149e65381a3963bb5e760;
    bytes internal constant KECCAK_ALIGNED = hex"11c1155a50be9f83db76dfd176eade37857dcf16c1e48e8e3e1f3ab9cf36bbfc20308e921db512b5d6001aa5d4f0368d4f6cefa008d66c232dd78a75d5f617e9"
        hex"22392f34779976f8c044a629260d43d3f75d98a672b0ace67a66ebd469c9e71444bd95d77167eed4378ee549b429c31f1fd91868c66ba7a0e0d90130262c4f46"
        hex"c21446f302a9795118a16733b37aeebf31bbc321e207e530a0f35f47e6753e6327182a7c030b297811c9e3343b72c3ec8250e3bd80f40378b939299cc6af8d57"
        hex"db2ad6396a12076e453736b7c29e762580a874e008cb2b6be041cf17ae70f03650e138429dbf44923bb13a8c69412d6e9cd596adfbfa6dc15c2f33f5810519c2"
        hex"af36dd00825469eeb0b55b0a80aa1d67bd8e55e0c125bfc2a335681e476317081a3bfa9c3c6a6dd0366cb38855f3ef79d065267411c0c36026ee7c12214343c6"
        hex"224beb23e9c9283aea36a929d4a46f449b4290b3b081ccc54acca5748a25b67b98c4c1210871598dece8498ce9f690651318abebab2a37f36589c51b7afc940e"
        hex"ef182c6aba0f2130f290a740745dc29b9ef82cebf0eca34a8ab2a564187d93cf2768928619faec9f1980f36afffa7b0b1b03bfe8c7ed4b6c0f84f09dab1e6eff"
        hex"ed0c78282a6f19802b4451e7f5e0127d83408bbc9655ab4c2741e7a862c6b95328cabe5123da72857a78700d34206144fd535a799d06c19628c34880985fadb5"
        hex"f3a784495842ad69a80dac888bc653c275017c210a1e1cafd37e1522e60bdeb4626266d9b299a745134f6db3ca0289d1af3da0d19693afb81312144392ab1073"
        hex"c440370b377b59f490a4f62877d807a193319ee6c419ee20a23babf78f96ced1a50624b437e2f710ac86a1575f471058ebad795f6015cdd3ea10756000beda93"
        hex"3b04ed783cbdc41cc6a1951ed59f6be91bf6c925c5a43a7dd6b020be08be44c62fdee4b6daa8f09e67a9dbfa30fa0ba60046044cd1624e14f0c6ebb6e6a7a816"
        hex"6cd190f03feae448ae725ae3671d0b8bddb30ce79d67ecccbe511bf64a5efc03a1cfdc2295e4a1813f05649b1b84d42aae88e0e0575bf8c733eac2581050edd0"
        hex"cfadd736b8808652f100fe6b7521c03cbf57f1b70488a6f20222ec3f43c2c2b8de26d03784c9bcfd7590ff986e9d1e7a6d91a003bea9ba57244ac82367926dd0"
        hex"fa572e230526a43cecfd35d5f1473eaff33aee12de4db95c732d2653a0870751f13628997964608f23da8ca97a75d21d19b20026e37b0d6fd41ce492b511b33a"
        hex"5a0ed7cbefa6416518a7e8a6507d9ba0fe150ee75caac806e3733abdaf0704cb59e6ce6f3ef70011f7f75d0e2e676145c591fbdc1f1dcc03ae35d0f342b06989"
        hex"90f4438dd0ccd6fc6826f56e4b0e911cf45d1e63060158fc11c039b73e21a5c021034a5c75c3dd123420b50660625e74e73172083c9719a15e6da7fcc6fbbb5d";
    bytes internal constant KECCAK_UNALIGNED = hex"1778caba5ce7501a4e19c3a031aca806753b31822ed6158c9a5706c2aec2c5104bb4defb0ab149c591948196c534c435231004018d3d0e6847348eb3dec94bb7"
        hex"610ed77636e0dec101afad78abd455b392703dbfc117a89e7622b3fd9ee2209a6feae360bf9f8e3bd31a98022050f4ab5c2fe34889dc4d725373397ea4f393b9"
        hex"f9cd06354266a594f1bf0bd0844914a74fba724af07119235438f45e3363f316ac16aaf21f62b3d9238098650f4ecd7af0e0620432f475f6fd5bcf6699884b8f"
        hex"261db9cb11e38891bd2ec8451eee334b630afb85691fe6734e317c299a1c7610ea694447ba42fbae353e68fda76eabea583f3768e6e34133962cd1ebf8cfaf37"
        hex"cd5401184097955a95beea0d980b1e5e906e480a6dd62277b5ffbcc7bc76dc2083f09ecb310ccdc7906f32adcb696f58779e0bd1034950bf101f4150f3c44bf1"
        hex"668082ac8186c6c9f665979fe3f79115152ed8bf9b158e1f2716e6b608555b5f9c17af3de7c17ea67cf9fd5c8ba3dc5039e842c9e4dee2a4ca0a92e0a5146be7"
        hex"115ddcd34a6a596e9cb168e2c6435a0c9cac1ff8069526cfb9fdc4fe96b53f305d37dfad41222e5fe57c61cef2a6f3988b5d70f26ada01a9534d358c50ca17b4"
        hex"511d1bf3bed20d4bd73d42b39a0b082e7c0830e3040f7119846de9169ed632beb086b6a76cf44bce3784eeab023a7c65d0c2d1cc8693cdc8a3f3f13d62b234f7"
        hex"3eb28ef80015f3edf8f42dbc5cef9669668e9a0e9da9afe089939b24c47166dc5b02380e0ddc4d600318492f240dd61a6efd5facbfc2737829608397e026b676"
        hex"6e946cb61f69d7e7818b73579c816ff115bed5cfe0435e5c4fe9f85f2672e85233f6eea963272195dafeaa85301b99859c17aa08b5d2ba32246513ef2cbb1c93"
        hex"e404fbb22cc99a21d508bcdc297d023398ac8681ae0b15f534d0a28200f16531bf02883e7f79d88a03f896bf9508deda64eccaa7861fcbbecb3d21ac4d4d1f0d"
        hex"b6a36e4b185f73830eb9fb6ffed5884e78fd39984f5de25e3415648fc86eed35267fefd46fb0b14ca970c7e8678b14d868722c980ae873a207834092865d54eb"
        hex"1b68b386aabf4463ece902c91ef76f13b23226e3658a9bf438c7c2095605d639b0bae43be3547590febd4c38647e35d42757ae6fdd8e44446f0dd3d18a34452d"
        hex"77a3a8cff9210f0d5c765ef36da785780b6ea243880998028ad67363a04357ebea20f3a0785668517122099a71a63e2f75e49729d8239842664bddf0decfdc56"
        hex"40e1073a4c8e9a2cbe320d65f39c36fd2044d1e075dcd49e075e82e4c8d0f649b789af26335eb6eb33cc4ba1aff460a52735ba7402e1c8fe297bdea99af65198"
        hex"ff9d0f5d554e5d5595334b7e290d5a5d3f7bfe81a174bc51e05ea7896c15cb1c74503836ead57c60abc5abefc8fe4f67b2924e127154518071c719e39791ff94";
    bytes internal constant SHA256_ALIGNED = hex"c2fb399887cef1949ed0d902b8760a4c143af5c554164ee98ff90adf771e22710fe8732a34ddc5a9a34dbab3491cd1c33d1bbb62d3697727647e218f188af0c4"
        hex"607ee92d4a2587bc1806f26d3e20403d94c3c10271833adc6fa41ce8b39f0c92f343d88a18ef73aea0d8fa73cc12a96fd5b29a89c1361f42062de323d26971f3"
        hex"d158dbe21737639be1959284650a0369b27b26adab8ca9c36046410fe70ea179a4022c174868af8ec6eeb70cece5b94f1b57c2727c32e23a8933c400b22c8574"
        hex"24282e649ac9db04f15197ba0d17d62e00e78df45d238054bf49f9876cf07ffac30ea27fb0a3a869ee5176833a5e0e276b5bd825adf5b38622aaed7e1736e7fd"
        hex"b2dcaf519b476a6995c0fbcc39b1ff63ba9926bae82a5e9d48a4e2f6b8f5652b7dcb332ef951744de20ee1d2639251ec81bc4a7f1444beb3751e3857ed26552c"
        hex"5732979ee47aa10ec26aa3d15ffc3c41bd6cd6a3853e8ea945a9a76ab9a18d006a05058ddf81eda7281f540296514653056f397f7ac54a6f15980e23a912ddb0"
        hex"79d4790e3a710b9da9e757e98d17ccc28ec0ad724c483a0cda628fea70a8a21fbd1110c4a480eded46604bc7f2f0a1a74ba0244992580e7ce86f7b943271f26f"
        hex"a37e03f8048bd2c1bf28ffde0af2bcb83d2aa2f83692cf33707142a763fd23ac965843d2c08c395b500bdede81eff3735e82cfd43bd99065b92f196c652301fd"
        hex"71932d3376c6087f654459e40c787046e59110ab24dcb63c91ca3e0878b224967f10be0690f04e89dee77e1769bd6d146e1c51bd95fb7ae5b64d8e3c9ac9fc9b"
        hex"83a96b982c4c88c8019759521c5dfd7bbecdf2ffdd8c70dad986c2cc1a1560bede7901821f7debf7a38ca70a60502fa89fef4570de2c417c519eb1c166c744bb"
        hex"767dc7bf1f2382da9bfa960cb720a16d008a8fc64384ecf66d338adbef00fccfa705e67a9026bfa74b685f74094ca08de06a1f4f8f0fc015b086b9f4de84a23a"
        hex"7a797ed80ca237d5f5f7a689a2e375a6f9db685895a383a7751a6606e1cb1c1ceee03e78b802098559ee229b78bb2dcb01dc4c51806c8133eb7a769665674ea1"
        hex"95a362cf40fb2229bafa7be502a0716c7e86d142d92689b0650353d5810c5bf55ee6c69f68e3931e6d03e0c9df2f163cd2b3f30c70d5ffc1109224daa30f1471"
        hex"033bc257ff80f48e5a7185d8f280aac17b51a964d964e9842742393dc4abef97c334474eed1d85e0d90671a853db0acf2f0752120ebfa62848d0a30a66f8de07"
        hex"016e56c39267c1fa2e705186769e0156beb7bf1d1a4c50f2e10107f6035f454b053953faa90b20c4ca0da30180869095ff00b1d20fd51edc6374ffd46906f23e"
        hex"d9be93accb7e8dd4da443edd78103ba7478d9523d4daf3e834b19a090e0208a3bee80dec3cea62cd231d37cbe6d2041b7171ce24e82f3fb7cb7ecc30b1cafcfb";
    bytes internal constant SHA256_UNALIGNED = hex"ab441bdc076285d68d78c9abc0aede7b0642d41851a820349dceca09faf02d0ed324d00902f44d88c62bb0cc8cb8f281cda25662d2092c7512c5a189ebdbbe3c"
        hex"d528bb6e4c81f670a0b390e3c0c9b8919661dd087b70818149a8548f1ef8df746421d33bf9f003a36e62bf37a2da6d3ecec27d0a690293e7d705093878975c62"
        hex"ffe049a8dcac9d5ce7eaa64429a11b7892f2dd3cb75bc7112ce0addbde3de6d0a1baa4a7343bbed428761f70b82f39f3f771ea687390a67620d8524d855873a5"
        hex"652d80952e4af434d4ac4bc63e1f5edf04d6b55fcf71a92350aef83600c6a03245c659922008744e35fa6b36f0677d56cfb1c34afd52320a891aeabb0d1147c5"
        hex"105e0553f0e583a9ee2556aa1d61796b6bfe0c1cb2d7db8ba8eb2930ed0015838a290734eb99ca47dba6ee2fa70eb997a7e5422067acde832c40950a7c86900e"
        hex"4a1c47d5bb2c8baecccf80ae3e5a158bdc25f25a23f8fe3b45b3ba599ab21c4e53ecc4cbe19479cc4f3d2cee1b3f4babe684d84c4d064b1eafe410251f457a48"
        hex"3bd2b18feb06a7603567666ac995601abb2bac05d077470025c4293c326af8466a3d0d8190264d9e63a4bb4d8b4f1ddb643884348060af02b4086a46a630a59d"
        hex"b57a7a984d68a01ac4fd0f94eed7a498d620093162a38b305c21fb9e0ff26d698bd58e08d84b2972c0b1d15ece574b1806e4a18613326556b967b31a57782f77"
        hex"d5dc765e5a41c71a9d80dd2d00798721228b7c1259c3a7a098ed47cd6e8bfab7772a832b52a3191e64d623be356ca2c8b82537bd4c1bc75f7623e0e0e7ca5560"
        hex"c7b06eae37ad21d4f8549005778719e97fb167240879dd3e3914cea8e86f6b80a660ff93655dab562cf61d2a8c158e8c9d2aa73e81a459e2b70c009f803743f3"
        hex"7c85698b17b98f5b01c780a365c65975c3e1d1c2a36d9699edaf34b08b988f09dd6f3ffcdc050d53de363ec76633de3c04ce9db18d20742518e415e7528a72f3"
        hex"5b2ae73aa619252704ff77ab83875f78a51fce94c34e49e0666c754c7dab31a8980967c2881cf352e83e68cae4294e25a71abef4272becdc48dd0a500787f90e"
        hex"86fa4e1c247285d28e50fcdf1f821311cfa2c063c76fdde4fd979da97f8832a700b631ced2ee47c3add609a5c2613337f976ce922f8ebc55ef4466467cbdeae8"
        hex"dfbafab528e5a3c7116fdd9b16cdbba74bf1b153768da8d45806613136d69c991b3a4f7e362b82326f67fb138fca8b07e990cff3daead2a60dde1a8c05fdf379"
        hex"2b45856a059923cb5b716da5cade256becb7cd467db5af4ff8b74e377ad2879578ee915d26470ae89c4dcdb780844f6817ca3816571d6271ed33bf93330d7987"
        hex"2d8bc090d50f8b21d938fb23f47ad30ab6d461236a20e42dd04765421d880b2f5912343ea8821cdc51a73125ba8d2962c13421f0e2fed819f05bbd4180dde7b8";

    // vector 0: P.y even
    function _mul0() internal pure returns (Mul memory) {
        return Mul({
            k: 0xbd9276b7ab3c1c3f09c96fe48a249ecdfaae83765179724ecdb75d46656a0361,
            px: 0x03450997a4ee04d8d43de81cc378cf38e99dc17390a4b29b6023257457af9c17,
            pyOdd: false,
            qx: 0x72f2f6fafd63e4cd7a9c367c8d815ff0aefea7ccd9252277c50ad9fc1bb33787,
            qy: 0x6622eefeaa83d7aeba3fb9767a73163b16f60ff0d7e86df54e75d7205eb7847e,
            v: 27,
            s: 0xd590e0ea79d1f79fcdf22ea3812bc5be90c5d73b4ea5274248e142dbb229b49e
        });
    }

    // vector 1: P.y odd
    function _mul1() internal pure returns (Mul memory) {
        return Mul({
            k: 0x56b0f904f3da00f6eeaf618fc9626ee0956d8822b0c77d89b9631fac3a8728f7,
            px: 0x33aba8cefffd6e0eefe532a298a813091dd39e159628e22bd63fbfe405846bc0,
            pyOdd: true,
            qx: 0x631e4dfbe51164150ec808ccf0470af1b910b4199980a9e2b00bff8d6c9e3ebc,
            qy: 0x67635d4d24890c321601090abb1b71a54090ca5ed3f34577d555f6cfb1e2110e,
            v: 28,
            s: 0xdebd4d6453a9b96610f0caf8440650d10dacd40548aed26996e329b75b2c04a3
        });
    }

    // ------------------------------------------------------------------ helpers

    /// @dev The words as big-endian 4-byte groups (the layout of the vectors).
    function _pack(uint32[] memory words) internal pure returns (bytes memory out) {
        out = new bytes(words.length * 4);
        for (uint256 i; i < words.length; ++i) {
            uint32 w = words[i];
            out[4 * i] = bytes1(uint8(w >> 24));
            out[4 * i + 1] = bytes1(uint8(w >> 16));
            out[4 * i + 2] = bytes1(uint8(w >> 8));
            out[4 * i + 3] = bytes1(uint8(w));
        }
    }

    /// @dev Word `i` of a packed vector.
    function _word(bytes memory packed, uint256 i) internal pure returns (uint32) {
        return uint32(bytes4(bytes.concat(packed[4 * i], packed[4 * i + 1], packed[4 * i + 2], packed[4 * i + 3])));
    }

    function _checkWords(uint32[] memory words, bytes memory expected) internal pure {
        assertEq(words.length, CHUNK, "chunk length");
        assertEq(_pack(words), expected);
        // spelled out as well, so that a packing bug cannot hide a mismatch
        assertEq(uint256(words[0]), uint256(_word(expected, 0)), "first word");
        assertEq(uint256(words[CHUNK - 1]), uint256(_word(expected, CHUNK - 1)), "last word");
    }

    // ------------------------------------------------------------------ keccak256 mask

    function test_keccakChunk_aligned() public {
        uint256 g = gasleft();
        uint32[] memory words = CheckableLib.keccakWords(SEED, ALIGNED, CHUNK);
        g -= gasleft();
        emit log_named_uint("gas keccak256 chunk (256 words, aligned, unpacked)", g);
        _checkWords(words, KECCAK_ALIGNED);
    }

    function test_keccakChunk_unaligned() public {
        uint256 g = gasleft();
        uint32[] memory words = CheckableLib.keccakWords(SEED, UNALIGNED, CHUNK);
        g -= gasleft();
        emit log_named_uint("gas keccak256 chunk (256 words, unaligned, unpacked)", g);
        _checkWords(words, KECCAK_UNALIGNED);
    }

    function test_keccakChunk_packed() public {
        uint256 g = gasleft();
        bytes32[] memory blocks = CheckableLib.keccakBlocks(SEED, ALIGNED / 8, CHUNK / 8);
        g -= gasleft();
        emit log_named_uint("gas keccak256 chunk (256 words, aligned, packed)", g);
        assertEq(abi.encodePacked(blocks), KECCAK_ALIGNED);
    }

    function test_keccakChunk_wrongSeedOrOffsetDiffers() public pure {
        bytes32 other = SEED ^ bytes32(uint256(1));
        assertFalse(keccak256(_pack(CheckableLib.keccakWords(other, ALIGNED, CHUNK))) == keccak256(KECCAK_ALIGNED));
        assertFalse(keccak256(_pack(CheckableLib.keccakWords(SEED, ALIGNED + 1, CHUNK))) == keccak256(KECCAK_ALIGNED));
    }

    // ------------------------------------------------------------------ SHA-256 mask

    function test_sha256Chunk_aligned() public {
        uint256 g = gasleft();
        uint32[] memory words = CheckableLib.sha256Words(SEED, ALIGNED, CHUNK);
        g -= gasleft();
        emit log_named_uint("gas sha256 chunk (256 words, aligned, unpacked)", g);
        _checkWords(words, SHA256_ALIGNED);
    }

    function test_sha256Chunk_unaligned() public {
        uint256 g = gasleft();
        uint32[] memory words = CheckableLib.sha256Words(SEED, UNALIGNED, CHUNK);
        g -= gasleft();
        emit log_named_uint("gas sha256 chunk (256 words, unaligned, unpacked)", g);
        _checkWords(words, SHA256_UNALIGNED);
    }

    function test_sha256Chunk_packed() public {
        uint256 g = gasleft();
        bytes32[] memory blocks = CheckableLib.sha256Blocks(SEED, ALIGNED / 8, CHUNK / 8);
        g -= gasleft();
        emit log_named_uint("gas sha256 chunk (256 words, aligned, packed)", g);
        assertEq(abi.encodePacked(blocks), SHA256_ALIGNED);
    }

    function test_sha256Chunk_wrongSeedOrOffsetDiffers() public view {
        bytes32 other = SEED ^ bytes32(uint256(1));
        assertFalse(keccak256(_pack(CheckableLib.sha256Words(other, ALIGNED, CHUNK))) == keccak256(SHA256_ALIGNED));
        assertFalse(keccak256(_pack(CheckableLib.sha256Words(SEED, ALIGNED + 1, CHUNK))) == keccak256(SHA256_ALIGNED));
    }

    // ------------------------------------------------------------------ k * P with ecrecover

    function _checkVector(Mul memory m, string memory label) internal {
        // the (v, r, s) Python's ecrecover_inputs produced are the ones the contract derives
        assertEq(m.v, m.pyOdd ? 28 : 27, "v");
        assertEq(m.s, mulmod(m.px, m.k, CheckableLib.N), "s");
        uint256 g = gasleft();
        bool ok = CheckableLib.checkMul(m.k, m.px, m.pyOdd, m.qx, m.qy);
        g -= gasleft();
        emit log_named_uint(label, g);
        assertTrue(ok, "k * P = Q");
        assertEq(
            ecrecover(bytes32(0), m.v, bytes32(m.px), bytes32(m.s)), CheckableLib.pointAddress(m.qx, m.qy), "address"
        );
    }

    function test_ecrecoverMul_evenY() public {
        _checkVector(_mul0(), "gas secp256k1 k*P check (ecrecover trick)");
    }

    function test_ecrecoverMul_oddY() public {
        _checkVector(_mul1(), "gas secp256k1 k*P check (ecrecover trick, odd y)");
    }

    function test_ecrecoverMul_rejectsWrongInputs() public view {
        Mul memory m = _mul0();
        assertFalse(CheckableLib.checkMul(m.k + 1, m.px, m.pyOdd, m.qx, m.qy), "other k");
        assertFalse(CheckableLib.checkMul(m.k, m.px, !m.pyOdd, m.qx, m.qy), "-P");
        assertFalse(CheckableLib.checkMul(m.k, m.px, m.pyOdd, m.qx, m.qy ^ 1), "other Q");
        Mul memory o = _mul1();
        assertFalse(CheckableLib.checkMul(m.k, m.px, m.pyOdd, o.qx, o.qy), "another vector's Q");
        assertFalse(CheckableLib.checkMul(0, m.px, m.pyOdd, 0, 0), "k = 0");
        assertFalse(CheckableLib.checkMul(CheckableLib.N, m.px, m.pyOdd, m.qx, m.qy), "k = n");
        assertFalse(CheckableLib.checkMul(m.k, 5, false, m.qx, m.qy), "x = 5 is not on the curve");
    }
}
